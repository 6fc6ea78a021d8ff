"""Retention sweeps: once per table per run, in their own transaction, recorded on the run when they act."""

import pytest
from django.db import connection
from django.utils import timezone

from core.models import AuditLog
from partitions import hooks
from partitions.hooks import retention_sweep_register, retention_sweeps
from partitions.models import MaintenanceRun
from partitions.planner import month_index, month_start
from partitions.services import partitions_apply

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(None, tick=False)]


@pytest.fixture(autouse=True)
def sweep_registry():
    """Let a test register sweeps of its own; put the registry back as it was afterwards."""
    saved = {table: dict(registered) for table, registered in hooks._sweeps.items()}
    yield
    hooks._sweeps.clear()
    hooks._sweeps.update(saved)


def releases(run: MaintenanceRun) -> list[dict]:
    return [action for action in run.actions if action["action"] == "release"]


def test_the_composition_root_registers_the_legal_hold_sweep_for_events():
    assert list(retention_sweeps("events")) == ["events_held"]
    assert retention_sweeps("audit_log") == {}


def test_a_sweep_gets_the_start_of_the_first_period_inside_retention_and_its_count_is_recorded():
    seen = []

    def sweep(cursor, table, cutoff):
        seen.append((table, cutoff))
        return 3, ["swept three"], month_start(month_index(timezone.now()) - 90).replace(day=9)

    retention_sweep_register("events", sweep, name="kept_rows")
    hooks._sweeps["events"].pop("events_held")

    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")

    cutoff = month_start(month_index(timezone.now()) - 84)
    assert seen == [("events", cutoff)]
    (release,) = releases(run)
    assert (release["partition"], release["removed_rows"], release["notes"]) == (
        "kept_rows",
        3,
        ["swept three"],
    )
    # Shaped like every action: `from` is the start of the oldest row's period, `to` the cutoff.
    oldest = month_start(month_index(timezone.now()) - 90)
    assert (release["from"], release["to"]) == (oldest.isoformat(), cutoff.isoformat())
    assert set(release) == set(next(a for a in run.actions if a["action"] != "release") or release)
    assert run.status == MaintenanceRun.Status.SUCCESS
    audit = AuditLog.objects.get(action="partition.release")
    assert (audit.object_id, audit.details["removed_rows"], audit.details["run"]) == ("kept_rows", 3, run.pk)


def test_a_sweep_that_removes_nothing_leaves_no_record():
    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")

    assert releases(run) == []
    assert not AuditLog.objects.filter(action="partition.release").exists()


def test_a_failed_sweep_rolls_back_and_is_recorded_as_a_failed_action():
    def sweep(cursor, table, cutoff):
        cursor.execute("CREATE TABLE sweep_was_here (id int)")
        cursor.execute("SELECT 1 / 0")
        return 1, [], None

    retention_sweep_register("events", sweep, name="broken")

    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")

    (release,) = releases(run)
    assert (release["result"], release["sqlstate"], release["removed_rows"]) == ("failed", "22012", None)
    assert release["from"] == release["to"]  # nothing removed: from the cutoff to the cutoff
    assert run.status == MaintenanceRun.Status.PARTIAL
    assert "release broken: 22012: division by zero" in run.error  # as any failed action says it
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('sweep_was_here')")
        assert cursor.fetchone()[0] is None
