"""Which rows a hold keeps, and what the sweep does with them: window bounds, plates as collectors send them,
holds placed after a row was kept, hold ids naming no hold, and the release record's shape."""

import datetime as dt
import json
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from core.models import AuditLog
from partitions.kept import retention_kept_rows
from partitions.models import MaintenanceRun
from partitions.planner import month_index, month_start
from partitions.services import _status_of, partitions_apply
from tests.factories import insert_events
from tests.holds.helpers import at, held_rows, hold_place, hold_release
from tests.support.partitions import attach_month

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(None, tick=False)]

EXPIRED = 90
PLATE = "HELD001"
MICROSECOND = dt.timedelta(microseconds=1)


@pytest.fixture
def month() -> int:
    return month_index(timezone.now()) - EXPIRED


def releases(run: MaintenanceRun) -> list[dict]:
    return [action for action in run.actions if action["action"] == "release"]


def test_a_hold_keeps_rows_from_its_start_up_to_but_not_at_its_end(month, placer):
    attach_month("events", month)
    starts, ends = at(month, 10, 0), at(month, 20, 0)
    camera = uuid.uuid4()
    at_start, before_end = insert_events([(camera, PLATE, starts), (camera, PLATE, ends - MICROSECOND)])
    insert_events([(camera, PLATE, starts - MICROSECOND), (camera, PLATE, ends)])
    hold = hold_place(case="C-1", placed_by=placer, plate=PLATE, start=starts, end=ends)

    partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")

    assert held_rows() == {at_start: [hold.pk], before_end: [hold.pk]}


def test_plates_are_matched_as_normalized_whatever_the_collector_sent(month, placer):
    """A detection stored as `held-001` or `Held 001` is the plate HELD001 the hold names."""
    attach_month("events", month)
    camera = uuid.uuid4()
    spelled = insert_events(
        [
            (camera, "held-001", at(month, 12)),
            (camera, "Held 001", at(month, 13)),
            (camera, PLATE, at(month, 14)),
        ]
    )
    insert_events([(camera, "HELD0011", at(month, 12))])
    hold = hold_place(case="C-1", placed_by=placer, plate=PLATE, start=at(month, 1), end=at(month + 1))

    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")

    assert held_rows() == {row: [hold.pk] for row in spelled}
    (drop,) = [action for action in run.actions if action["action"] == "drop"]
    assert drop["notes"] == [f"{drop['partition']}: 3 rows kept for case C-1"]
    with connection.cursor() as cursor:  # kept as stored: every column of the row, unchanged
        cursor.execute("SELECT plate_number FROM events_held ORDER BY id")
        assert [row[0] for row in cursor.fetchall()] == ["held-001", "Held 001", PLATE]


def test_a_later_hold_that_matches_a_kept_row_is_named_by_it_and_shown_active(month, placer, releaser):
    attach_month("events", month)
    (row,) = insert_events(plate_number="held-001", captured_at=at(month))
    first = hold_place(case="A-1", placed_by=placer, plate=PLATE, start=at(month, 1), end=at(month + 1))
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")
    later = hold_place(case="B-2", placed_by=placer, plate=PLATE, start=at(month, 1), end=at(month + 1))
    hold_release(first, by=releaser)

    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")

    assert releases(run) == []
    assert held_rows() == {row: [first.pk, later.pk]}
    kept = {(kept.case_number, kept.active) for kept in retention_kept_rows()}
    assert kept == {("A-1", False), ("B-2", True)}


def test_rows_whose_holds_no_longer_exist_are_released_counted_and_audited(month):
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('chaverim.partition_maintenance', 'on', true)")
        cursor.execute(
            "INSERT INTO events_held (id, collector_id, plate_number, captured_at, hold_ids) "
            "VALUES (1, gen_random_uuid(), 'X', %s, '{987654}')",
            [at(month)],
        )
        cursor.execute("SELECT set_config('chaverim.partition_maintenance', 'off', true)")

    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")

    assert held_rows() == {}
    (release,) = releases(run)
    assert (release["removed_rows"], release["notes"]) == (
        1,
        ["events_held: 1 row released by case unknown (hold 987654)"],
    )
    assert AuditLog.objects.get(action="partition.release").details["removed_rows"] == 1


def test_a_release_is_recorded_like_any_action_and_the_command_reports_it(month, placer, releaser):
    """`partitions rotate` printed a traceback on a release whose `from` was None."""
    attach_month("events", month)
    insert_events(plate_number=PLATE, captured_at=at(month, 12))
    hold = hold_place(case="C-1", placed_by=placer, plate=PLATE, start=at(month, 1), end=at(month + 1))
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")
    hold_release(hold, by=releaser)
    out = StringIO()

    call_command("partitions", "rotate", "--table", "events", "--json", stdout=out)

    (release,) = releases(MaintenanceRun.objects.latest("pk"))
    assert json.loads(out.getvalue())["actions"][-1] == release
    cutoff = month_start(month_index(timezone.now()) - 84)
    assert (release["from"], release["to"]) == (month_start(month).isoformat(), cutoff.isoformat())
    plain = StringIO()
    call_command("partitions", "rotate", "--table", "events", stdout=plain)  # nothing left: no release


def test_a_release_alone_does_not_make_a_run_whose_actions_all_failed_partial():
    results = [
        {"action": "drop", "result": "failed"},
        {"action": "release", "result": "success"},
    ]

    assert _status_of(results, 0, 0, 1) == MaintenanceRun.Status.FAILED
    assert _status_of([*results, {"action": "create", "result": "success"}], 0, 0, 1) == (
        MaintenanceRun.Status.PARTIAL
    )


def test_events_held_has_every_column_of_events():
    """A column added to events must be added to events_held (and to the copy), or this fails."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name IN ('events', 'events_held')"
        )
        columns = cursor.fetchall()
    events = {(name, kind) for table, name, kind in columns if table == "events"}
    held = {(name, kind) for table, name, kind in columns if table == "events_held"}
    assert events and events <= held
    assert held - events == {("hold_ids", "ARRAY"), ("kept_at", "timestamp with time zone")}
