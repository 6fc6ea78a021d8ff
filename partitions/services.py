"""Partition maintenance writes: plan, apply and enqueue, shared by the command, the task and the pages."""

import datetime as dt
import logging
from dataclasses import dataclass

from celery import current_app as celery_app
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from core.models import AuditLog
from partitions import sql
from partitions.catalog import catalog_read
from partitions.executor import (
    FAILED,
    PLANNED,
    SUCCESS,
    action_execute,
    insertable_columns,
    statistics_refresh,
)
from partitions.locking import AdvisoryLocks
from partitions.models import MaintenanceRun
from partitions.planner import PartitionedTable, TablePlan, plan_table
from partitions.registry import horizon_setting, registry_entries
from partitions.retention import RELEASE, retention_sweeps_record
from partitions.selectors.runs import maintenance_run_in_progress, runs_alive

logger = logging.getLogger(__name__)

# By name, as beat sends it: the task module imports this one.
MAINTENANCE_TASK = "partitions.tasks.maintain_partitions"


class BrokerUnavailableError(RuntimeError):
    """The task queue (broker) cannot be reached: nothing was queued."""


class MaintenanceInProgressError(RuntimeError):
    """A maintenance run is already queued or running: Run now queues no second one."""

    def __init__(self, run: MaintenanceRun):
        super().__init__(f"maintenance run {run.pk} is {run.status}")
        self.run = run


class PlanningTooFarAheadError(ValueError):
    """A rotation was asked to act as if it were further ahead than premake plus the horizon allow."""


def _now_within_horizon(entries: list[PartitionedTable], now: dt.datetime, wall_now: dt.datetime) -> None:
    """Refuse a rotation `now` further ahead of the wall clock than premake plus the horizon (rule 4a).

    It would make partitions no row needs yet (and the status page would call them "months ahead"); a plan
    or a dry run may look that far, since they change nothing.
    """
    for entry in entries:
        ahead = entry.periods_ahead_of(now, wall_now)
        if ahead > entry.horizon:
            raise PlanningTooFarAheadError(
                f"--now {now.isoformat()} is {entry.periods_text(ahead)} ahead of the clock; rotate acts at "
                f"most {entry.horizon} ahead for {entry.table} (premake {entry.premake} plus "
                f"{horizon_setting(entry)}). Use `--table`, `plan` or `rotate --dry-run` to look further."
            )


def partitions_plan(*, now: dt.datetime | None = None, table: str | None = None) -> list[TablePlan]:
    """Plan maintenance for every registered table (or one) from the live catalog; change nothing."""
    wall_now = timezone.now()
    now = now or wall_now
    entries = registry_entries(table=table)
    snapshots = catalog_read(entries)
    return [plan_table(entry, snapshots[entry.table], now=now, wall_now=wall_now) for entry in entries]


def _audit_table_first(entries: list[PartitionedTable]) -> list[PartitionedTable]:
    # Every action writes an audit row: creating audit_log's months first means those rows land in a
    # real partition, not in audit_log's DEFAULT.
    audit_table = AuditLog._meta.db_table
    return sorted(entries, key=lambda entry: entry.table != audit_table)


def _status_of(results: list[dict], failed_tables: int, skipped_tables: int, tables: int) -> str:
    failures = failed_tables + sum(1 for result in results if result["result"] == FAILED)
    # A sweep (release) runs every time: alone it does not make a run whose every action failed partial.
    successes = sum(1 for result in results if result["result"] == SUCCESS and result["action"] != RELEASE)
    if skipped_tables == tables:
        return MaintenanceRun.Status.SKIPPED
    if not failures:
        return MaintenanceRun.Status.SUCCESS
    return MaintenanceRun.Status.PARTIAL if successes else MaintenanceRun.Status.FAILED


TABLE_DONE, TABLE_FAILED, TABLE_SKIPPED = "done", "failed", "skipped"


def _apply_table(
    run: MaintenanceRun, entry: PartitionedTable, *, locks: AdvisoryLocks, now, user, errors: list[str]
) -> str:
    """Plan one table under its advisory lock and run each action; record results on the run."""
    if not locks.try_acquire(entry.table):
        errors.append(f"{entry.table}: skipped, another maintenance run holds its lock.")
        logger.info("%s: skipped, another maintenance run holds its lock", entry.table)
        return TABLE_SKIPPED
    try:
        # Planned under the lock, so two runs never act on the same snapshot.
        snapshot = catalog_read([entry])[entry.table]
        columns = insertable_columns(entry.table)
    except DatabaseError as exc:
        errors.append(f"{entry.table}: could not read the catalog: {str(exc).strip().splitlines()[0]}")
        return TABLE_FAILED
    wall_now = timezone.now()
    plan = plan_table(entry, snapshot, now=now or wall_now, wall_now=wall_now)
    if not snapshot.exists or not snapshot.partitioned:
        errors.extend(plan.blocked)
        return TABLE_FAILED
    run.plan = [*run.plan, *(action.as_dict() for action in plan.actions)]
    run.heartbeat_at = timezone.now()
    run.save(update_fields=["plan", "heartbeat_at"])
    errors.extend(f"{entry.table}: {sentence}" for sentence in plan.drains_blocked)
    filled = []
    for action in plan.actions:
        outcome = action_execute(
            entry=entry,
            action=action,
            columns=columns,
            default=snapshot.default,
            actor_id=getattr(user, "pk", None),
            run_id=run.pk,
        )
        run.actions = [*run.actions, outcome.as_dict()]
        if outcome.error:
            errors.append(f"{action.action} {action.partition}: {outcome.error}")
        run.heartbeat_at = timezone.now()
        run.save(update_fields=["actions", "heartbeat_at"])
        if outcome.moved_rows and not outcome.error:
            filled.append((snapshot.default.schema, action.partition))
    retention_sweeps_record(run, entry, plan, actor_id=getattr(user, "pk", None), errors=errors)
    if filled:
        statistics_refresh(tables=[*filled, (snapshot.default.schema, snapshot.default.relname)])
    return TABLE_FAILED if plan.drains_blocked else TABLE_DONE


def _run_start(
    run: MaintenanceRun | None, *, locks: AdvisoryLocks, trigger: str, user, table: str | None
) -> MaintenanceRun:
    """Record the run as running, holding its run lock from before anyone can see it running."""
    now = timezone.now()
    with transaction.atomic():
        if run is None:
            run = MaintenanceRun.objects.create(
                trigger=trigger, user=user, table=table or "", started_at=now, heartbeat_at=now
            )
        else:
            # A run queued by "Run now": it starts now, under the id the user was shown.
            run.status, run.started_at, run.heartbeat_at = MaintenanceRun.Status.RUNNING, now, now
            run.save(update_fields=["status", "started_at", "heartbeat_at"])
        locks.hold_run(run.pk)
    return run


ABANDONED_ERROR = "Abandoned: its process stopped mid-run (last seen {last_seen}); run #{by} recorded it."


def maintenance_runs_abandoned_record(*, by: MaintenanceRun) -> int:
    """Record as abandoned every running run whose process is gone (its run lock free); return how many."""
    running = MaintenanceRun.objects.filter(status=MaintenanceRun.Status.RUNNING).exclude(pk=by.pk)
    candidates = {run.pk: run for run in running.only("pk", "started_at", "heartbeat_at")}
    dead = set(candidates) - runs_alive(run_ids=candidates)
    for pk in sorted(dead):
        last_seen = candidates[pk].last_seen_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        MaintenanceRun.objects.filter(pk=pk, status=MaintenanceRun.Status.RUNNING).update(
            status=MaintenanceRun.Status.ABANDONED,
            error=ABANDONED_ERROR.format(last_seen=last_seen, by=by.pk),
        )
        logger.warning("maintenance run %s was abandoned (last seen %s)", pk, last_seen)
    return len(dead)


def partitions_apply(
    *,
    trigger: str,
    user=None,
    table: str | None = None,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    run: MaintenanceRun | None = None,
) -> MaintenanceRun:
    """Plan and apply maintenance, recording a MaintenanceRun (a dry run returns an unsaved one).

    Not atomic on purpose: each action commits in its own transaction, so locks stay short and a run
    killed half-way leaves whole actions behind, which the next run's plan completes.
    """
    entries = _audit_table_first(registry_entries(table=table))
    if dry_run:
        plans = partitions_plan(now=now, table=table)
        planned = [
            {**action.as_dict(), "result": PLANNED, "error": None}
            for plan in plans
            for action in plan.actions
        ]
        started = timezone.now()
        return MaintenanceRun(
            trigger=trigger,
            user=user,
            table=table or "",
            started_at=started,
            finished_at=started,
            status=MaintenanceRun.Status.SUCCESS,
            plan=[action.as_dict() for plan in plans for action in plan.actions],
            actions=planned,
        )
    if now is not None:
        _now_within_horizon(entries, now, timezone.now())

    errors: list[str] = []
    outcomes = []
    try:
        with AdvisoryLocks() as locks:
            run = _run_start(run, locks=locks, trigger=trigger, user=user, table=table)
            maintenance_runs_abandoned_record(by=run)
            for entry in entries:
                outcomes.append(_apply_table(run, entry, locks=locks, now=now, user=user, errors=errors))
    except BaseException as exc:
        if run is None or run.pk is None or run.status != MaintenanceRun.Status.RUNNING:
            raise  # it never started: nothing to record
        # A lost connection or the task's time limit: record what is known, then let the caller retry.
        errors.append(f"run aborted: {exc.__class__.__name__}: {exc}")
        run.status = MaintenanceRun.Status.FAILED
        run.error = "\n".join(errors)
        run.finished_at = timezone.now()
        try:
            run.save(update_fields=["status", "error", "finished_at"])
        except DatabaseError:
            logger.exception("could not record the end of maintenance run %s", run.pk)
        raise
    run.status = _status_of(
        run.actions, outcomes.count(TABLE_FAILED), outcomes.count(TABLE_SKIPPED), len(entries)
    )
    run.error = "\n".join(errors)
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])
    logger.info("maintenance run %s: %s", run.pk, run.status)
    return run


@dataclass(frozen=True)
class MaintenanceQueued:
    """A run queued for a worker, and whether any worker answered when asked."""

    run: MaintenanceRun
    workers_answering: bool


def _workers_answering() -> bool:
    """Tell whether any Celery worker answers a ping within half a second."""
    try:
        return bool(celery_app.control.ping(timeout=0.5))
    except Exception:  # the transport may not support broadcast, or the broker just went away
        logger.warning("could not ping the Celery workers", exc_info=True)
        return False


def maintenance_enqueue(*, user, now: dt.datetime | None = None) -> MaintenanceQueued:
    """Record a queued manual run and send it to the workers.

    Raise MaintenanceInProgressError when a run is already queued or running, BrokerUnavailableError when the
    run cannot be sent. Call it outside a transaction: the worker looks the run up by its id.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # Two presses at once: the second waits here for the first's queued run, then sees it.
        with connection.cursor() as cursor:
            cursor.execute(sql.RUN_NOW_LOCK, [sql.ADVISORY_LOCK_NAMESPACE])
        in_progress = maintenance_run_in_progress(now=now)
        if in_progress is not None:
            raise MaintenanceInProgressError(in_progress)
        run = MaintenanceRun.objects.create(
            trigger=MaintenanceRun.Trigger.MANUAL,
            user=user,
            status=MaintenanceRun.Status.QUEUED,
            started_at=now,
        )
    try:
        # One connection attempt and no publish retries: with kombu's defaults a refused connection is
        # retried for seconds; this way a broker outage answers within the 3 s socket connect timeout.
        with celery_app.connection_for_write(transport_options={"max_retries": 0}) as broker:
            celery_app.send_task(
                MAINTENANCE_TASK,
                kwargs={"trigger": MaintenanceRun.Trigger.MANUAL, "user_id": str(user.pk), "run_id": run.pk},
                connection=broker,
                retry=False,
            )
    # kombu OperationalError, redis ConnectionError, or whatever else the transport raises.
    except Exception as exc:
        logger.warning("maintenance not queued: broker unreachable", exc_info=True)
        run.delete()  # it will never run: no record of a run that did not happen
        raise BrokerUnavailableError(str(exc)) from exc
    return MaintenanceQueued(run=run, workers_answering=_workers_answering())
