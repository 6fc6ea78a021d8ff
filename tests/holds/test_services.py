"""Placing and releasing legal holds: validation, the two-person rule, a safe race, one audit row each."""

import datetime as dt
import uuid

import pytest

from core.models import AuditLog
from holds import services
from holds.errors import HoldAlreadyReleasedError, HoldInvalidError, HoldNotFoundError, HoldSelfReleaseError
from holds.models import Hold
from holds.services import PLACE_ACTION, RELEASE_ACTION, hold_place, hold_release
from tests.factories import CollectorFactory, UserFactory
from tests.support.threads import run_in_threads

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 29, 12, tzinfo=dt.UTC)
START, END = dt.datetime(2019, 11, 1, tzinfo=dt.UTC), dt.datetime(2019, 12, 1, tzinfo=dt.UTC)


def place(placed_by, **overrides):
    arguments = {
        "case_number": "2026-0042",
        "reason": "Court order 17",
        "plate_number": "abc-123",
        "starts_at": START,
        "ends_at": END,
        "placed_by": placed_by,
        "now": NOW,
        **overrides,
    }
    return hold_place(**arguments)


def test_a_placed_hold_stores_the_normalized_plate_and_writes_one_audit_row():
    placer = UserFactory()

    hold = place(placer)

    hold.refresh_from_db()
    assert (hold.plate_number, hold.collector_id, hold.placed_by, hold.placed_at) == (
        "ABC123",
        None,
        placer,
        NOW,
    )
    assert hold.active
    audit = AuditLog.objects.get(action=PLACE_ACTION)
    assert (audit.actor_id, audit.object_type, audit.object_id) == (placer.pk, "legal_hold", str(hold.pk))
    assert audit.details["case_number"] == "2026-0042"
    assert audit.details["plate"] == "ABC123"


def test_a_hold_may_name_a_collector_alone():
    collector = CollectorFactory()

    hold = place(UserFactory(), plate_number="", collector_id=collector.pk)

    assert (hold.plate_number, hold.collector_id) == ("", collector.pk)


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"plate_number": "AB*12"}, "plate_number", "letters and digits"),
        ({"plate_number": "A" * 21}, "plate_number", "letters and digits"),
        ({"plate_number": "", "collector_id": None}, None, "a plate, a collector, or both"),
        ({"collector_id": uuid.UUID(int=7)}, "collector", "No collector"),
        ({"starts_at": END, "ends_at": START}, "ends_at", "before the end"),
        ({"starts_at": START, "ends_at": START}, "ends_at", "before the end"),
        ({"starts_at": dt.datetime(226, 11, 1, tzinfo=dt.UTC)}, "starts_at", "50 years"),
        ({"ends_at": dt.datetime(2226, 11, 1, tzinfo=dt.UTC)}, "ends_at", "10 years"),
        ({"ends_at": dt.datetime(2019, 12, 1)}, None, "time zone"),
        ({"case_number": "  "}, "case_number", "case number"),
        ({"case_number": "2026\n42"}, "case_number", "one line"),
        ({"case_number": "C" * 65}, "case_number", "at most 64"),
        ({"reason": ""}, "reason", "reason"),
        ({"reason": "Court\x01order"}, "reason", "control characters"),
    ],
)
def test_a_hold_that_cannot_be_placed_is_refused_naming_the_field(overrides, field, words):
    with pytest.raises(HoldInvalidError) as refused:
        place(UserFactory(), **overrides)

    assert refused.value.field == field
    assert words in str(refused.value)
    assert not Hold.objects.exists()
    assert not AuditLog.objects.filter(action=PLACE_ACTION).exists()


def test_a_second_user_releases_a_hold_with_a_reason_and_one_audit_row():
    placer, releaser = UserFactory(), UserFactory()
    hold = place(placer)

    released = hold_release(hold_id=hold.pk, released_by=releaser, reason=" Case closed ", now=NOW)

    hold.refresh_from_db()
    assert (hold.released_by, hold.released_at, hold.release_reason) == (releaser, NOW, "Case closed")
    assert released.released_at == NOW
    audit = AuditLog.objects.get(action=RELEASE_ACTION)
    assert (audit.actor_id, audit.object_id, audit.details["reason"]) == (
        releaser.pk,
        str(hold.pk),
        "Case closed",
    )


def test_the_placer_may_not_release_their_own_hold_under_the_two_person_rule(settings):
    settings.LEGAL_HOLD_TWO_PERSON_RELEASE = True
    placer = UserFactory()
    hold = place(placer)

    with pytest.raises(HoldSelfReleaseError, match="another user"):
        hold_release(hold_id=hold.pk, released_by=placer, reason="Done")

    hold.refresh_from_db()
    assert hold.active
    assert not AuditLog.objects.filter(action=RELEASE_ACTION).exists()


def test_without_the_two_person_rule_the_placer_may_release(settings):
    settings.LEGAL_HOLD_TWO_PERSON_RELEASE = False
    placer = UserFactory()
    hold = place(placer)

    hold_release(hold_id=hold.pk, released_by=placer, reason="Done")

    hold.refresh_from_db()
    assert hold.released_by == placer


def test_a_released_hold_is_not_released_again():
    hold = place(UserFactory())
    first, second = UserFactory(), UserFactory()
    hold_release(hold_id=hold.pk, released_by=first, reason="Done", now=NOW)

    with pytest.raises(HoldAlreadyReleasedError, match="already released"):
        hold_release(hold_id=hold.pk, released_by=second, reason="Again")

    hold.refresh_from_db()
    assert (hold.released_by, hold.release_reason) == (first, "Done")
    assert AuditLog.objects.filter(action=RELEASE_ACTION).count() == 1


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_release_needs_a_reason(reason):
    hold = place(UserFactory())

    with pytest.raises(HoldInvalidError, match="reason"):
        hold_release(hold_id=hold.pk, released_by=UserFactory(), reason=reason)

    hold.refresh_from_db()
    assert hold.active


@pytest.mark.parametrize("hold_id", [0, 987654, 2**63, -1])
def test_releasing_an_unknown_hold_is_refused(hold_id):
    with pytest.raises(HoldNotFoundError):
        hold_release(hold_id=hold_id, released_by=UserFactory(), reason="Done")


def test_a_release_that_read_the_hold_before_another_committed_changes_nothing(monkeypatch):
    hold = place(UserFactory())
    first, second = UserFactory(), UserFactory()
    read_before = Hold.objects.get(pk=hold.pk)  # what the slower release read: still active
    hold_release(hold_id=hold.pk, released_by=first, reason="First", now=NOW)
    monkeypatch.setattr(services, "hold_get", lambda hold_id: read_before)

    with pytest.raises(HoldAlreadyReleasedError, match="already released"):
        hold_release(hold_id=hold.pk, released_by=second, reason="Second")

    hold.refresh_from_db()
    assert (hold.released_by, hold.release_reason) == (first, "First")
    assert AuditLog.objects.filter(action=RELEASE_ACTION).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_releases_at_once_release_once_and_audit_once(clean_platform_tables):
    hold = place(UserFactory())
    releasers = [UserFactory(), UserFactory()]

    def release_as(n):
        return lambda: hold_release(hold_id=hold.pk, released_by=releasers[n], reason=f"by {n}")

    outcomes = run_in_threads(
        release_as(0), release_as(1), returned=(HoldAlreadyReleasedError,), start_together=True
    )

    refused = [outcome for outcome in outcomes if isinstance(outcome, HoldAlreadyReleasedError)]
    assert len(refused) == 1
    winner = next(n for n, outcome in enumerate(outcomes) if isinstance(outcome, Hold))
    hold.refresh_from_db()
    assert (hold.released_by, hold.release_reason) == (releasers[winner], f"by {winner}")
    assert AuditLog.objects.filter(action=RELEASE_ACTION).count() == 1
