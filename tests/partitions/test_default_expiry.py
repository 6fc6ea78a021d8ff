"""Retention reaches DEFAULT: rows waiting there for a period past retention are expired by maintenance.

Each such period gets an EXPIRE action: the table's retention hooks see the period's rows first (legal holds
copy theirs to events_held, the audit log leaves an anchor), then the rows are deleted from DEFAULT only (in
detach mode, moved to the archive), counted and audited. Rows of DEFAULT outside the period (at infinity, far
ahead, at the period's end) stay.
"""

import uuid

import pytest
from django.db import connection
from django.utils import timezone

from core.models import AuditLog
from partitions.expiry import NoDefaultPartitionError, default_rows_expire
from partitions.models import MaintenanceRun
from partitions.planner import Action, month_index, month_start
from partitions.registry import registry_entries
from partitions.services import partitions_apply
from tests.factories import UserFactory, insert_events
from tests.holds.helpers import at, held_rows, hold_place
from tests.support.audit_chain import chain_restart, chain_verify
from tests.support.partitions import attach_month

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(None, tick=False)]

EXPIRED = 90  # months back: past the 84 months of retention
PLATE, OTHER = "HELD001", "FREE002"


@pytest.fixture
def current() -> int:
    return month_index(timezone.now())


def default_rows(default: str, column: str) -> list:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column}::text FROM ONLY {default} ORDER BY {column}")
        return [row[0] for row in cursor.fetchall()]


def expires(run: MaintenanceRun) -> list[dict]:
    return [action for action in run.actions if action["action"] == "expire"]


def test_expired_default_rows_are_removed_and_held_ones_kept(current):
    placer = UserFactory()
    month = current - EXPIRED
    camera = uuid.uuid4()
    held = insert_events([(camera, PLATE, at(month, 12)), (camera, PLATE, at(month, 13))])
    insert_events([(camera, OTHER, at(month, 12)), (camera, PLATE, at(month, 25))])
    insert_events([(camera, OTHER, at(month - 3))])  # an older period: its own EXPIRE
    with connection.cursor() as cursor:  # no period holds infinity: it stays, and no hook sees it
        cursor.execute(
            "INSERT INTO events (collector_id, plate_number, captured_at) VALUES (%s, %s, 'infinity')",
            [camera, PLATE],
        )
    hold = hold_place(
        case="2026-0042", placed_by=placer, plate=PLATE, start=at(month - 12, 1, 0), end=at(month, 20, 0)
    )
    before = default_rows("events_default", "captured_at")

    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")

    assert run.status == MaintenanceRun.Status.SUCCESS
    older, expired = expires(run)
    assert (older["from"], older["removed_rows"], older["notes"]) == (
        month_start(month - 3).isoformat(),
        1,
        [],
    )
    assert (expired["partition"], expired["from"], expired["to"]) == (
        "events_default",
        month_start(month).isoformat(),
        month_start(month + 1).isoformat(),
    )
    assert (expired["result"], expired["default_rows"], expired["removed_rows"]) == ("success", 4, 4)
    period = f"{month_start(month):%Y-%m-%d}, {month_start(month + 1):%Y-%m-%d}"
    assert expired["notes"] == [f"events_default [{period}): 2 rows kept for case 2026-0042"]
    assert held_rows() == {row_id: [hold.pk] for row_id in held}
    after = default_rows("events_default", "captured_at")
    assert len(before) == len(after) + 5 and after == ["infinity"]
    audit = AuditLog.objects.get(action="partition.expire", details__from=month_start(month).isoformat())
    assert (audit.object_id, audit.details["removed_rows"]) == ("events_default", 4)


def test_expired_audit_rows_in_default_leave_an_anchor_and_the_chain_verifies(current):
    chain_restart()
    with connection.cursor() as cursor:
        for when in (at(current - EXPIRED), at(current - EXPIRED, 16), at(current - EXPIRED, 17)):
            cursor.execute(
                "INSERT INTO audit_log (occurred_at, action, object_type, object_id) "
                "VALUES (%s, 'test', 't', '1')",
                [when],
            )
        # Later rows of DEFAULT (dated far ahead) come after in the chain: the anchor must not reach them.
        cursor.execute(
            "INSERT INTO audit_log (occurred_at, action, object_type, object_id) "
            "VALUES (%s, 'test', 't', '2')",
            [at(current + 240)],
        )
    third = AuditLog.objects.get(chain_position=3)

    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="audit_log")

    assert run.status == MaintenanceRun.Status.SUCCESS
    (expired,) = expires(run)
    assert (expired["removed_rows"], expired["notes"]) == (3, ["audit chain anchored at position 3"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT position, hash, partition, range_start FROM audit_chain_anchor")
        (anchor,) = cursor.fetchall()
    assert anchor[0] == 3 and bytes(anchor[1]) == bytes(third.row_hash)
    assert anchor[2:] == ("audit_log_default", month_start(current - EXPIRED))
    assert default_rows("audit_log_default", "chain_position") == ["4"]

    out, error = chain_verify()

    assert error is None, error
    assert "after anchor 3 (audit_log_default)" in out


def test_an_expire_takes_rows_from_its_periods_start_and_leaves_a_row_at_its_end(current):
    """A row exactly at the end of a period past retention belongs to the next one, inside retention."""
    month = current - 85
    camera = uuid.uuid4()
    (at_start,) = insert_events([(camera, OTHER, month_start(month))])
    (at_end,) = insert_events([(camera, OTHER, month_start(month + 1))])

    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")

    (expired,) = expires(run)
    assert (expired["from"], expired["removed_rows"]) == (month_start(month).isoformat(), 1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM events WHERE id = ANY(%s)", [[at_start, at_end]])
        assert [row[0] for row in cursor.fetchall()] == [at_end]


def archive_rows(name: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT plate_number FROM archive.{name} ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def test_in_detach_mode_expired_rows_move_to_the_archive_instead_of_being_deleted(current, settings):
    settings.PARTITION_RETENTION_MODE = "detach"
    placer = UserFactory()
    month = current - EXPIRED
    camera = uuid.uuid4()
    held = insert_events([(camera, PLATE, at(month, 12))])
    insert_events([(camera, OTHER, at(month, 13)), (camera, OTHER, at(month - 1, 13))])
    hold = hold_place(case="2026-0042", placed_by=placer, plate=PLATE, start=at(month, 1), end=at(month + 1))

    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")

    assert run.status == MaintenanceRun.Status.SUCCESS
    _older, expired = expires(run)
    name = f"events_{month_start(month):%Y_%m}"
    assert expired["removed_rows"] == 2
    assert expired["notes"][-1] == f"2 rows moved to archive.{name}"
    assert archive_rows(name) == [PLATE, OTHER]  # the whole period, held rows too, as a detached month
    assert archive_rows(f"events_{month_start(month - 1):%Y_%m}") == [OTHER]
    assert held_rows() == {held[0]: [hold.pk]}
    assert default_rows("events_default", "captured_at") == []


def test_in_detach_mode_expired_rows_join_the_archived_month_of_their_period(current, settings):
    """Rows that reached DEFAULT after their month was detached go to that month in the archive."""
    settings.PARTITION_RETENTION_MODE = "detach"
    month = current - EXPIRED
    attach_month("events", month)
    insert_events([(uuid.uuid4(), "EARLY1", at(month, 12))])
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")  # the month goes to the archive
    insert_events([(uuid.uuid4(), "LATE1", at(month, 14))])  # a late row: DEFAULT

    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")

    (expired,) = expires(run)
    assert expired["removed_rows"] == 1
    assert archive_rows(f"events_{month_start(month):%Y_%m}") == ["EARLY1", "LATE1"]


def test_an_expire_without_a_default_partition_is_refused_by_name():
    entry = next(entry for entry in registry_entries() if entry.table == "events")
    action = Action("events", "expire", "events_default", month_index(timezone.now()) - EXPIRED, 1, None, "")

    with pytest.raises(NoDefaultPartitionError, match="events has no DEFAULT partition"):
        default_rows_expire(None, entry, action, None, [])
