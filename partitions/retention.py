"""Retention sweeps: once per run, each table's sweeps remove what its hooks kept and no longer need to keep.

A sweep (legal holds: rows of `events_held` no active hold keeps or matches any more) runs in a transaction
of its own, after the table's actions. When it removed rows or failed, it is recorded among the run's actions
as a `release`, by the same code and in the same shape as an action: `from` is the start of the period of the
oldest row removed, `to` the retention cutoff. It is audited as `partition.release`. A release is never
planned, and it does not make a run whose actions all failed look partly successful.
"""

import datetime as dt
import logging
import time
from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from core.services import audit_log_write
from partitions import sql
from partitions.executor import FAILED, SUCCESS, ActionResult
from partitions.hooks import retention_sweeps
from partitions.locking import lock_timeout_restore
from partitions.models import MaintenanceRun
from partitions.planner import PartitionedTable, TablePlan

logger = logging.getLogger(__name__)

RELEASE = "release"  # how a sweep shows among a run's actions
RELEASE_REASON = "kept rows no hold keeps any more, past retention"


@dataclass(frozen=True)
class Release:
    """What a sweep removes, in the place of an action: rows of `table` kept before `end` (the cutoff)."""

    table: str
    partition: str  # the sweep's name (legal holds: events_held)
    start: dt.datetime  # the start of the period of the oldest row removed (the cutoff when none was)
    end: dt.datetime
    action: str = RELEASE

    def as_dict(self) -> dict:
        return {
            "table": self.table,
            "action": self.action,
            "partition": self.partition,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "default_rows": 0,
            "reason": RELEASE_REASON,
        }


def _sweep_run(
    *, entry: PartitionedTable, name: str, sweep, cutoff: dt.datetime, actor_id, run_id
) -> ActionResult:
    """Run one sweep in its own transaction, audited when it removed rows; rolled back when it failed."""
    started = time.monotonic()
    outcome = ActionResult(action=Release(entry.table, name, cutoff, cutoff), result=FAILED, attempts=1)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            lock_timeout_restore(cursor, entry)
            cursor.execute(sql.MAINTENANCE_FLAG_ON)  # a sweep changes rows the write-once triggers guard
            removed, notes, oldest = sweep(cursor, entry.table, cutoff)
            cursor.execute(sql.MAINTENANCE_FLAG_OFF)
            if oldest is not None:
                since = entry.period_start(entry.period_index(oldest))
                outcome.action = Release(entry.table, name, since, cutoff)
            outcome.removed_rows, outcome.notes = removed, list(notes)
            if removed:
                audit_log_write(
                    actor_id=actor_id,
                    action=f"partition.{RELEASE}",
                    object_type="table",
                    object_id=name,
                    details={
                        "table": entry.table,
                        "from": outcome.action.start.isoformat(),
                        "before": cutoff.isoformat(),
                        "removed_rows": removed,
                        "notes": outcome.notes,
                        "run": run_id,
                    },
                )
    except DatabaseError as exc:
        cause = exc.__cause__ or exc
        text = str(exc).strip()
        outcome.sqlstate = getattr(cause, "sqlstate", None)
        outcome.message = text.splitlines()[0] if text else exc.__class__.__name__
        outcome.removed_rows, outcome.notes = None, []
        logger.warning("%s sweep %s failed: %s", entry.table, name, outcome.error)
    else:
        outcome.result = SUCCESS
    outcome.seconds = time.monotonic() - started
    return outcome


def retention_sweeps_record(
    run: MaintenanceRun, entry: PartitionedTable, plan: TablePlan, *, actor_id, errors: list[str]
) -> None:
    """Let the table's sweeps remove what its hooks kept and need not keep; record them like actions.

    A sweep that removed nothing leaves no record (it runs every time); one that failed is recorded, and the
    next run tries again.
    """
    # Rows before the start of the first period inside retention are past it.
    cutoff = entry.period_start(entry.period_index(plan.retention_cutoff))
    outcomes = [
        _sweep_run(entry=entry, name=name, sweep=sweep, cutoff=cutoff, actor_id=actor_id, run_id=run.pk)
        for name, sweep in retention_sweeps(entry.table).items()
    ]
    records = [outcome.as_dict() for outcome in outcomes if outcome.result != SUCCESS or outcome.removed_rows]
    errors.extend(
        f"{RELEASE} {record['partition']}: {record['error']}" for record in records if record["error"]
    )
    if records:
        run.actions = [*run.actions, *records]
        run.heartbeat_at = timezone.now()
        run.save(update_fields=["actions", "heartbeat_at"])
