"""Retention hooks: apps act on a partition's rows inside the transaction that retires it.

The audit log's hook (wired by the composition root) leaves an anchor, from which the hash chain verifies.
"""

import datetime as dt

import pytest
from django.db import connection

from core.models import AuditLog
from core.services import audit_chain_anchor_record
from partitions import hooks
from partitions.hooks import RetentionHookError, RetiringPartition, retention_hook_register, retention_hooks
from partitions.models import MaintenanceRun
from partitions.planner import month_index, month_start, partition_name
from partitions.services import partitions_apply
from tests.factories import insert_events
from tests.support.audit_chain import chain_restart, chain_verify
from tests.support.partitions import attach_month, count_rows, partition_names

# The clock stands still at the start of each test, so a test never straddles a month end.
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(None, tick=False)]

EXPIRED = 90  # months back: past the 84 months of retention


@pytest.fixture
def current() -> int:
    from django.utils import timezone

    return month_index(timezone.now())


@pytest.fixture
def hook_registry():
    """Let a test register hooks of its own; put the registry back as it was afterwards."""
    saved = {table: dict(registered) for table, registered in hooks._hooks.items()}
    yield
    hooks._hooks.clear()
    hooks._hooks.update(saved)


def at(month: int, day: int = 15) -> dt.datetime:
    return month_start(month).replace(day=day, hour=12)


def audit_rows_at(when: dt.datetime, count: int) -> None:
    """Write audit rows that occurred at `when` (as another writer of the platform might)."""
    with connection.cursor() as cursor:
        for i in range(count):
            cursor.execute(
                "INSERT INTO audit_log (occurred_at, action, object_type, object_id) "
                "VALUES (%s, 'test', 't', %s)",
                [when, str(i)],
            )


def is_attached(table: str, partition: str) -> bool:
    return partition in partition_names(table)


def retire_actions(run: MaintenanceRun) -> list[dict]:
    return [action for action in run.actions if action["action"] in ("drop", "detach")]


# --- the registry --------------------------------------------------------------------------------------


def test_the_composition_root_registers_the_audit_chain_anchor_for_audit_log():
    assert audit_chain_anchor_record in retention_hooks("audit_log")
    assert audit_chain_anchor_record not in retention_hooks("events")


@pytest.mark.usefixtures("hook_registry")
def test_a_hook_sees_the_partition_still_attached_with_its_bounds_and_its_note_is_recorded(current):
    seen = []

    def hook(cursor, retiring: RetiringPartition):
        cursor.execute(
            "SELECT count(*) FROM pg_inherits WHERE inhrelid = to_regclass(%s)", [retiring.partition]
        )
        seen.append((retiring, cursor.fetchone()[0]))
        return f"looked at {retiring.partition}"

    retention_hook_register("events", hook)
    expired = attach_month("events", current - EXPIRED)

    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")

    assert seen == [
        (
            RetiringPartition(
                table="events",
                partition=expired,
                start=month_start(current - EXPIRED),
                end=month_start(current - EXPIRED + 1),
                mode="drop",
            ),
            1,
        )
    ]
    (retired,) = retire_actions(run)
    assert retired["result"] == "success"
    assert retired["notes"] == [f"looked at {expired}"]
    audit = AuditLog.objects.get(action="partition.drop", object_id=expired)
    assert audit.details["notes"] == [f"looked at {expired}"]


@pytest.mark.usefixtures("hook_registry")
def test_a_hook_that_refuses_keeps_the_partition_and_fails_only_that_action(current):
    def refuse(cursor, retiring):
        raise RetentionHookError(f"{retiring.partition} holds rows under a legal hold")

    retention_hook_register("events", refuse)
    expired = attach_month("events", current - EXPIRED)
    insert_events(captured_at=at(current - EXPIRED))

    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")

    (retired,) = retire_actions(run)
    assert retired["result"] == "failed"
    assert retired["error"] == f"{expired} holds rows under a legal hold"
    assert run.status == MaintenanceRun.Status.PARTIAL  # the months ahead were still created
    assert is_attached("events", expired)
    assert count_rows(expired) == 1


@pytest.mark.usefixtures("hook_registry")
def test_what_a_hook_wrote_rolls_back_with_a_retirement_that_fails(current, settings):
    settings.PARTITION_RETENTION_MODE = "detach"

    def note_it(cursor, retiring):
        cursor.execute("CREATE TABLE hook_was_here (id int)")
        return "wrote"

    retention_hook_register("events", note_it)
    expired = attach_month("events", current - EXPIRED)
    with connection.cursor() as cursor:  # the archive already holds that name: the move fails
        cursor.execute(f'CREATE SCHEMA archive; CREATE TABLE archive."{expired}" (id int)')

    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")

    (retired,) = retire_actions(run)
    assert (retired["result"], retired["sqlstate"], retired["notes"]) == ("failed", "42P07", [])
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('hook_was_here')")
        assert cursor.fetchone()[0] is None
    assert is_attached("events", expired)


# --- the audit log's anchor ----------------------------------------------------------------------------


def anchors() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT position, hash, partition, range_start, range_end FROM audit_chain_anchor")
        return [(position, bytes(hash_), *rest) for position, hash_, *rest in cursor.fetchall()]


@pytest.mark.parametrize("mode", ["drop", "detach"])
def test_a_retired_audit_month_leaves_an_anchor_and_the_chain_verifies_from_it(current, settings, mode):
    settings.PARTITION_RETENTION_MODE = mode
    chain_restart()
    expired = attach_month("audit_log", current - EXPIRED)
    audit_rows_at(at(current - EXPIRED), 3)
    last_retired = AuditLog.objects.get(chain_position=3)
    audit_rows_at(at(current), 2)  # waiting in DEFAULT: the run moves them into the new month

    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="audit_log")

    assert run.status == MaintenanceRun.Status.SUCCESS
    (retired,) = retire_actions(run)
    assert retired["notes"] == ["audit chain anchored at position 3"]
    assert anchors() == [
        (
            3,
            bytes(last_retired.row_hash),
            expired,
            month_start(current - EXPIRED),
            month_start(current - EXPIRED + 1),
        )
    ]
    assert not is_attached("audit_log", expired)
    assert count_rows(partition_name("audit_log", current)) >= 2  # moved out of DEFAULT, chain intact

    out, error = chain_verify()

    assert error is None
    head = AuditLog.objects.order_by("-chain_position").first().chain_position
    assert out.startswith(
        f"audit chain ok: {head - 3} rows verified after anchor 3 ({expired}); head {head} "
    )


def test_tampering_after_the_anchor_is_still_caught(current):
    chain_restart()
    attach_month("audit_log", current - EXPIRED)
    audit_rows_at(at(current - EXPIRED), 2)
    attach_month("audit_log", current)
    audit_rows_at(at(current), 2)
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="audit_log")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE audit_log SET object_id = 'edited' WHERE chain_position = 3")
        cursor.execute("SET LOCAL session_replication_role = origin")

    _out, error = chain_verify()

    assert error.returncode == 1
    assert "position 3: the content of row id" in str(error)


def test_an_empty_audit_month_is_retired_without_an_anchor(current):
    chain_restart()
    expired = attach_month("audit_log", current - EXPIRED)

    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="audit_log")

    (retired,) = retire_actions(run)
    assert retired["result"] == "success"
    assert retired["notes"] == ["audit chain: nothing to anchor (no rows, or already anchored)"]
    assert anchors() == []
    assert not is_attached("audit_log", expired)
    _out, error = chain_verify()
    assert error is None
