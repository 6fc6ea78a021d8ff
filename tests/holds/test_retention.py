"""Retention honours legal holds: held rows of a retiring month are copied to events_held first.

A hold on plate P in a month past retention: a rotation retires the month, P's rows in the hold's window are
in events_held with the hold's id, every other row of the month is gone from `events`, and the accounting is
exact. Releasing the hold (by a second user) lets the next run remove them.
"""

import uuid

import pytest
from django.db import DatabaseError, connection
from django.utils import timezone

from core.models import AuditLog
from holds.retention import events_held_keep, events_held_preview
from partitions.hooks import RetiringPartition
from partitions.models import MaintenanceRun
from partitions.planner import month_index, month_start
from partitions.services import partitions_apply
from tests.factories import insert_events
from tests.holds.helpers import at, held_rows, hold_place, hold_release, hook_run
from tests.support.db_roles import TEST_APP_ROLE
from tests.support.partitions import attach_month, count_rows, partition_names

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(None, tick=False)]

EXPIRED = 90  # months back: past the 84 months of retention
CASE = "2026-0042"
PLATE, OTHER = "HELD001", "FREE002"


@pytest.fixture
def current() -> int:
    return month_index(timezone.now())


def events_count() -> int:
    return count_rows("events")


def actions_of(run: MaintenanceRun, *kinds: str) -> list[dict]:
    return [action for action in run.actions if action["action"] in kinds]


def event_rows(ids: list[int]) -> list[tuple]:
    """Every column of these rows of events (as the copies in events_held must hold them)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM events WHERE id = ANY(%s) ORDER BY id", [ids])
        return cursor.fetchall()


def held_copies() -> list[tuple]:
    """Every column of events that events_held has, for each kept row."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM events LIMIT 0")
        columns = ", ".join(column.name for column in cursor.description)
        cursor.execute(f"SELECT {columns} FROM events_held ORDER BY id")
        return cursor.fetchall()


def month_with_rows(month: int) -> dict[str, list[int]]:
    """Fill a month: P inside and outside the hold's window (days 10 to 20), and another plate."""
    camera, other_camera = uuid.uuid4(), uuid.uuid4()
    return {
        "held": insert_events([(camera, PLATE, at(month, 12)), (other_camera, PLATE, at(month, 19, 23))]),
        "outside": insert_events([(camera, PLATE, at(month, 9)), (camera, PLATE, at(month, 20))]),
        "other": insert_events([(camera, OTHER, at(month, 12)), (other_camera, OTHER, at(month, 15))]),
    }


@pytest.mark.parametrize("mode", ["drop", "detach"])
def test_a_rotation_keeps_the_held_rows_of_a_retired_month_and_nothing_else(current, settings, placer, mode):
    settings.PARTITION_RETENTION_MODE = mode
    expired = attach_month("events", current - EXPIRED)
    rows = month_with_rows(current - EXPIRED)
    insert_events(plate_number=PLATE, captured_at=at(current))  # live: waits in DEFAULT, then moves
    hold = hold_place(
        case=CASE,
        placed_by=placer,
        plate=PLATE,
        start=at(current - EXPIRED, 10, 0),
        end=at(current - EXPIRED, 20, 0),
    )
    before, retired = events_count(), count_rows(expired)
    originals = event_rows(rows["held"])

    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")

    assert run.status == MaintenanceRun.Status.SUCCESS
    (retire,) = actions_of(run, mode)
    assert retire["notes"] == [f"{expired}: 2 rows kept for case {CASE}"]
    assert expired not in partition_names("events")
    assert held_rows() == {row_id: [hold.pk] for row_id in rows["held"]}
    kept, after = len(held_rows()), events_count() + len(held_rows())  # rows after: events and events_held
    assert (retired, kept) == (6, 2)
    # The identity. It cannot tell which rows were kept (the kept rows are in `after` and subtracted
    # again): the check of held_rows() above does, and the one below that the copies are whole rows.
    assert before == after + retired - kept
    assert held_copies() == originals
    if mode == "detach":
        assert count_rows(f"archive.{expired}") == retired  # the archive keeps the whole month
    audit = AuditLog.objects.get(action=f"partition.{mode}", object_id=expired)
    assert audit.details["notes"] == retire["notes"]


def test_every_matching_hold_keeps_a_row_and_each_gets_its_note(current, placer, releaser):
    month = current - EXPIRED
    expired = attach_month("events", month)
    camera = uuid.uuid4()
    (shared,) = insert_events([(camera, PLATE, at(month, 12))])
    (camera_only,) = insert_events([(camera, OTHER, at(month, 13))])
    insert_events([(uuid.uuid4(), OTHER, at(month, 14))])
    by_plate = hold_place(case="A-1", placed_by=placer, plate=PLATE, start=at(month, 1, 0), end=at(month + 1))
    by_camera = hold_place(
        case="B-2", placed_by=placer, collector=camera, start=at(month, 1, 0), end=at(month + 1)
    )
    hold_release(
        hold_place(case="C-3", placed_by=placer, plate=OTHER, start=at(month, 1), end=at(month + 1)),
        by=releaser,
    )

    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")

    (retire,) = actions_of(run, "drop")
    assert retire["notes"] == [f"{expired}: 1 row kept for case A-1", f"{expired}: 2 rows kept for case B-2"]
    assert held_rows() == {shared: [by_plate.pk, by_camera.pk], camera_only: [by_camera.pk]}


def test_the_copy_is_idempotent_and_a_new_hold_joins_a_row_already_kept(current, placer):
    month = current - EXPIRED
    expired = attach_month("events", month)
    (row,) = insert_events(plate_number=PLATE, captured_at=at(month))
    retiring = RetiringPartition("events", expired, month_start(month), month_start(month + 1), "drop")
    first = hold_place(case="A-1", placed_by=placer, plate=PLATE, start=at(month, 1), end=at(month + 1))
    assert hook_run(events_held_keep, retiring) == [f"{expired}: 1 row kept for case A-1"]
    assert hook_run(events_held_keep, retiring) == [f"{expired}: 1 row kept for case A-1"]
    assert held_rows() == {row: [first.pk]}
    second = hold_place(case="B-2", placed_by=placer, plate=PLATE, start=at(month, 1), end=at(month + 1))
    assert hook_run(events_held_preview, retiring) == [
        f"{expired}: at least 1 row to keep for case A-1",
        f"{expired}: at least 1 row to keep for case B-2",
    ]
    hook_run(events_held_keep, retiring)
    assert held_rows() == {row: sorted([first.pk, second.pk])}


def test_releasing_the_hold_lets_the_next_run_remove_its_rows(current, placer, releaser):
    month = current - EXPIRED
    attach_month("events", month)
    rows = month_with_rows(month)
    hold = hold_place(case=CASE, placed_by=placer, plate=PLATE, start=at(month, 10, 0), end=at(month, 20, 0))
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")
    assert sorted(held_rows()) == sorted(rows["held"])

    still_held = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")
    assert actions_of(still_held, "release") == []  # the hold is active: nothing to remove, nothing recorded
    hold_release(hold, by=releaser)
    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events", user=releaser)

    assert held_rows() == {}
    (release,) = actions_of(run, "release")
    assert (release["result"], release["removed_rows"], release["partition"]) == ("success", 2, "events_held")
    assert release["notes"] == [f"events_held: 2 rows released by case {CASE}"]
    audit = AuditLog.objects.get(action="partition.release")
    assert (audit.actor_id, audit.details["removed_rows"], audit.details["run"]) == (releaser.pk, 2, run.pk)


def test_a_row_stays_while_another_active_hold_keeps_or_matches_it(current, placer, releaser):
    month = current - EXPIRED
    attach_month("events", month)
    (row,) = insert_events(plate_number=PLATE, captured_at=at(month))
    first = hold_place(case="A-1", placed_by=placer, plate=PLATE, start=at(month, 1), end=at(month + 1))
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")
    # Placed after the month was retired: it matches the kept row, though the row does not name it.
    later = hold_place(case="B-2", placed_by=placer, plate=PLATE, start=at(month, 1), end=at(month + 1))
    hold_release(first, by=releaser)

    partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")
    assert held_rows() == {row: [first.pk, later.pk]}  # the later hold now names the row it keeps

    hold_release(later, by=releaser)
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")
    assert held_rows() == {}


def test_held_rows_of_months_inside_retention_stay_after_release(current, placer, releaser):
    """A kept row of a month inside retention is not swept.

    Production does not reach this state (rows reach events_held only from months past retention, and here the
    row is in both events and events_held): it proves that the sweep honours its cutoff.
    """
    month = current - 2
    retiring = RetiringPartition(
        "events", attach_month("events", month), month_start(month), month_start(month + 1), "drop"
    )
    (row,) = insert_events(plate_number=PLATE, captured_at=at(month))
    hold = hold_place(case=CASE, placed_by=placer, plate=PLATE, start=at(month, 1), end=at(month + 1))
    hook_run(events_held_keep, retiring)
    hold_release(hold, by=releaser)

    partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")

    assert held_rows() == {row: [hold.pk]}


def refused(cursor, statements: tuple[str, ...], match: str) -> None:
    """Check that each statement fails with `match`, each in a savepoint so the next one still runs."""
    for statement in statements:
        cursor.execute("SAVEPOINT refused")
        with pytest.raises(DatabaseError, match=match):
            cursor.execute(statement)
        cursor.execute("ROLLBACK TO SAVEPOINT refused")


@pytest.fixture
def one_row_held(current, placer):
    """Keep one row of an expired month in events_held, as a retirement would."""
    month = current - EXPIRED
    retiring = RetiringPartition(
        "events", attach_month("events", month), month_start(month), month_start(month + 1), "drop"
    )
    insert_events(plate_number=PLATE, captured_at=at(month))
    hold_place(case=CASE, placed_by=placer, plate=PLATE, start=at(month, 1), end=at(month + 1))
    hook_run(events_held_keep, retiring)


@pytest.mark.usefixtures("one_row_held")
def test_the_app_role_reads_events_held_but_cannot_write_it():
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {TEST_APP_ROLE}")
        cursor.execute("SELECT count(*) FROM events_held")
        assert cursor.fetchone()[0] == 1  # the search reads it
        statements = (
            "INSERT INTO events_held (id, collector_id, plate_number, captured_at, hold_ids) "
            "VALUES (1, gen_random_uuid(), 'X', now(), '{1}')",
            "UPDATE events_held SET plate_number = 'X'",
            "DELETE FROM events_held",
            "TRUNCATE events_held",
        )
        refused(cursor, statements, "permission denied")
        cursor.execute("RESET ROLE")


@pytest.mark.usefixtures("one_row_held")
def test_the_owner_cannot_change_a_held_row_outside_maintenance():
    with connection.cursor() as cursor:
        statements = (
            "UPDATE events_held SET plate_number = 'X'",
            "DELETE FROM events_held",
            "TRUNCATE events_held",
        )
        refused(cursor, statements, "write-once")
