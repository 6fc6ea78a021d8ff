"""Writes of legal holds: place and release. Holds are never deleted; every change is audited."""

import datetime as dt
from uuid import UUID

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from collectors.models import Collector
from collectors.selectors import collector_get
from core.plates import PLATE_MAX_LENGTH, plate_is_valid, plate_normalize
from core.services import audit_log_write
from core.validators import has_control_characters, refuse_control_characters_but_line_breaks
from holds.errors import (
    HoldAlreadyReleasedError,
    HoldInvalidError,
    HoldNotFoundError,
    HoldSelfReleaseError,
)
from holds.models import Hold
from holds.selectors import hold_get

# A window is absurd when it starts more than 50 years back (a mistyped year, such as 0226) or ends more than
# 10 years ahead (holding detections of a far future no investigation plans for).
HOLD_MAX_YEARS_BACK = 50
HOLD_MAX_YEARS_AHEAD = 10
CASE_NUMBER_MAX_LENGTH = Hold._meta.get_field("case_number").max_length
REASON_MAX_LENGTH = Hold._meta.get_field("reason").max_length
# The actor of `legal_hold` run without --as: an inactive account no one logs in as. The colon is refused in
# usernames by the user forms, so no person can ever be given this name.
SYSTEM_ACTOR_USERNAME = "system:legal_hold"
PLACE_ACTION = "legal_hold.place"
RELEASE_ACTION = "legal_hold.release"


def _years(years: int) -> dt.timedelta:
    return dt.timedelta(days=365 * years + years // 4)


def _text_require(value: str, *, field: str, what: str, max_length: int, one_line: bool) -> str:
    value = value.strip()
    if not value:
        raise HoldInvalidError(f"Give the {what}.", field=field)
    if len(value) > max_length:
        raise HoldInvalidError(f"The {what} has at most {max_length} characters.", field=field)
    if one_line and has_control_characters(value):
        raise HoldInvalidError(f"The {what} is one line without control characters.", field=field)
    if refuse_control_characters_but_line_breaks.regex.search(value):
        raise HoldInvalidError(f"The {what} may not contain control characters.", field=field)
    return value


def hold_plate_clean(raw: str) -> str:
    """Return the plate as stored (normalized), "" for any plate; refuse a malformed one."""
    plate = plate_normalize(raw or "")
    if plate and not plate_is_valid(plate):
        raise HoldInvalidError(
            f"A plate has 1 to {PLATE_MAX_LENGTH} letters and digits (spaces and dashes are ignored): "
            f"{raw.strip()!r} is not one.",
            field="plate_number",
        )
    return plate


def hold_window_check(*, starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime) -> None:
    """Refuse an inverted or absurd window [starts_at, ends_at)."""
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise HoldInvalidError("The window's start and end need a time zone (they are read in UTC).")
    if starts_at >= ends_at:
        raise HoldInvalidError("The start (from) must be before the end (to).", field="ends_at")
    if starts_at < now - _years(HOLD_MAX_YEARS_BACK):
        raise HoldInvalidError(
            f"The start is more than {HOLD_MAX_YEARS_BACK} years ago: check the year.", field="starts_at"
        )
    if ends_at > now + _years(HOLD_MAX_YEARS_AHEAD):
        raise HoldInvalidError(
            f"The end is more than {HOLD_MAX_YEARS_AHEAD} years ahead: check the year.", field="ends_at"
        )


@transaction.atomic
def hold_place(
    *,
    case_number: str,
    reason: str,
    plate_number: str = "",
    collector_id: UUID | None = None,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    placed_by,
    source: str = "web",
    now: dt.datetime | None = None,
) -> Hold:
    """Place a hold on the detections of a plate and/or a collector captured in [starts_at, ends_at)."""
    now = now or timezone.now()
    case_number = _text_require(
        case_number, field="case_number", what="case number", max_length=CASE_NUMBER_MAX_LENGTH, one_line=True
    )
    reason = _text_require(
        reason, field="reason", what="reason", max_length=REASON_MAX_LENGTH, one_line=False
    )
    plate = hold_plate_clean(plate_number)
    if collector_id is not None:
        try:
            collector_get(collector_id=collector_id)
        except Collector.DoesNotExist:
            raise HoldInvalidError(f"No collector has the id {collector_id}.", field="collector") from None
    if not plate and collector_id is None:
        raise HoldInvalidError("Give a plate, a collector, or both: a hold cannot cover every detection.")
    hold_window_check(starts_at=starts_at, ends_at=ends_at, now=now)
    hold = Hold.objects.create(
        case_number=case_number,
        reason=reason,
        plate_number=plate,
        collector_id=collector_id,
        starts_at=starts_at,
        ends_at=ends_at,
        placed_by=placed_by,
        placed_at=now,
    )
    audit_log_write(
        actor_id=placed_by.pk,
        action=PLACE_ACTION,
        object_type="legal_hold",
        object_id=hold.pk,
        details={
            "username": placed_by.get_username(),
            "source": source,
            "case_number": case_number,
            "reason": reason,
            "plate": plate or None,
            "collector": str(collector_id) if collector_id else None,
            "from": starts_at.isoformat(),
            "to": ends_at.isoformat(),
        },
    )
    return hold


@transaction.atomic
def hold_release(
    *, hold_id: int, released_by, reason: str, source: str = "web", now: dt.datetime | None = None
) -> Hold:
    """Release an active hold with a reason; its rows leave `events_held` at the next maintenance run.

    The UPDATE is conditional on the hold still being active, so of two releases racing, one wins and the
    other is told the hold was released already.
    """
    now = now or timezone.now()
    reason = _text_require(
        reason,
        field="release_reason",
        what="reason for the release",
        max_length=REASON_MAX_LENGTH,
        one_line=False,
    )
    try:
        hold = hold_get(hold_id=hold_id)
    except Hold.DoesNotExist:
        raise HoldNotFoundError(f"No legal hold has the id {hold_id}.") from None
    if hold.released_at is not None:
        raise HoldAlreadyReleasedError(_released_message(hold))
    if settings.LEGAL_HOLD_TWO_PERSON_RELEASE and hold.placed_by_id == released_by.pk:
        raise HoldSelfReleaseError(
            f"Hold {hold.pk} (case {hold.case_number}) was placed by you: another user with the permission "
            "to release holds must release it."
        )
    updated = Hold.objects.filter(pk=hold.pk, released_at__isnull=True).update(
        released_at=now, released_by=released_by, release_reason=reason
    )
    if not updated:
        hold.refresh_from_db()
        raise HoldAlreadyReleasedError(_released_message(hold))
    audit_log_write(
        actor_id=released_by.pk,
        action=RELEASE_ACTION,
        object_type="legal_hold",
        object_id=hold.pk,
        details={
            "username": released_by.get_username(),
            "source": source,
            "case_number": hold.case_number,
            "reason": reason,
            "placed_by": str(hold.placed_by_id),
        },
    )
    hold.released_at, hold.released_by, hold.release_reason = now, released_by, reason
    return hold


def hold_system_actor():
    """Return the account that places and releases holds from the command line without --as."""
    user, created = get_user_model().objects.get_or_create(
        username=SYSTEM_ACTOR_USERNAME, defaults={"is_active": False, "is_staff": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _released_message(hold: Hold) -> str:
    return (
        f"Hold {hold.pk} (case {hold.case_number}) was already released on "
        f"{hold.released_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC; nothing was changed."
    )
