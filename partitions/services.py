"""Partition maintenance: plan, apply and status, shared by the command, the Celery task and the pages."""

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from core.models import AuditLog
from partitions.catalog import CatalogSnapshot, catalog_read
from partitions.executor import (
    FAILED,
    PLANNED,
    SUCCESS,
    AdvisoryLocks,
    action_execute,
    insertable_columns,
    statistics_refresh,
)
from partitions.health import months_ahead, run_problems, table_health
from partitions.models import MaintenanceRun
from partitions.planner import TablePlan, month_index, plan_table
from partitions.registry import PartitionedTable, registry_entries

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PartitionStatus:
    name: str
    start: dt.datetime | None
    end: dt.datetime | None
    state: str
    estimated_rows: int | None
    total_bytes: int

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
            "state": self.state,
            "estimated_rows": self.estimated_rows,
            "total_bytes": self.total_bytes,
        }


@dataclass(frozen=True)
class TableStatus:
    """What the status page and `partitions status` show for one table."""

    table: str
    column: str
    health: str
    problems: list[str]
    months_ahead: int
    default_rows: int
    partitions: list[PartitionStatus]
    premake_months: int
    retention_months: int
    retention_cutoff: dt.datetime
    critical_problems: list[str] = field(default_factory=list)
    default_rows_by_month: dict[int, int] = field(default_factory=dict)
    plan: TablePlan | None = None

    def as_dict(self) -> dict:
        return {
            "table": self.table,
            "health": self.health,
            "problems": self.problems,
            "months_ahead": self.months_ahead,
            "default_rows": self.default_rows,
            "partitions": [partition.as_dict() for partition in self.partitions],
        }


def _now(now: dt.datetime | None) -> dt.datetime:
    if now is None:
        return timezone.now()
    if timezone.is_naive(now):
        raise ValueError("now must be an aware datetime")
    return now


def partitions_plan(*, now: dt.datetime | None = None, table: str | None = None) -> list[TablePlan]:
    """Plan maintenance for every registered table (or one) from the live catalog; change nothing."""
    wall_now = timezone.now()
    now = _now(now)
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
    successes = sum(1 for result in results if result["result"] == SUCCESS)
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
    plan = plan_table(entry, snapshot, now=_now(now), wall_now=timezone.now())
    if not snapshot.exists or not snapshot.partitioned:
        errors.extend(plan.blocked)
        return TABLE_FAILED
    run.plan = [*run.plan, *(action.as_dict() for action in plan.actions)]
    run.save(update_fields=["plan"])
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
        run.save(update_fields=["actions"])
        if outcome.moved_rows and not outcome.error:
            filled.append((snapshot.default.schema, action.partition))
    if filled:
        statistics_refresh(tables=[*filled, (snapshot.default.schema, snapshot.default.relname)])
    return TABLE_DONE


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

    if run is None:
        run = MaintenanceRun.objects.create(
            trigger=trigger, user=user, table=table or "", started_at=timezone.now()
        )
    else:
        # A run queued by "Run now": it starts now, under the id the user was shown.
        run.status, run.started_at = MaintenanceRun.Status.RUNNING, timezone.now()
        run.save(update_fields=["status", "started_at"])
    errors: list[str] = []
    outcomes = []
    try:
        with AdvisoryLocks() as locks:
            for entry in entries:
                outcomes.append(_apply_table(run, entry, locks=locks, now=now, user=user, errors=errors))
    except BaseException as exc:
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


def _last_runs(table: str) -> tuple[MaintenanceRun | None, MaintenanceRun | None]:
    runs = MaintenanceRun.objects.filter(table__in=["", table]).exclude(status=MaintenanceRun.Status.SKIPPED)
    return runs.order_by("-started_at", "-id").first(), runs.filter(
        status=MaintenanceRun.Status.SUCCESS
    ).order_by("-started_at", "-id").first()


def _table_status(
    entry: PartitionedTable, snapshot: CatalogSnapshot, *, now, wall_now, job_problems
) -> TableStatus:
    plan = plan_table(entry, snapshot, now=now, wall_now=wall_now)
    health = table_health(entry=entry, snapshot=snapshot, plan=plan, now=now, job_problems=job_problems)
    partitions = [
        PartitionStatus(
            name=child.name,
            start=child.lower if child.bounds and child.lower.year > 1 else None,
            end=child.upper if child.bounds and child.upper.year < 9999 else None,
            state=child.state,
            estimated_rows=child.estimated_rows,
            total_bytes=child.total_bytes,
        )
        for child in sorted(
            snapshot.children,
            key=lambda c: (c.is_default, c.lower or dt.datetime.min.replace(tzinfo=dt.UTC), c.name),
        )
    ]
    return TableStatus(
        table=entry.table,
        column=entry.column,
        health=health.health,
        problems=health.problems,
        critical_problems=health.critical,
        months_ahead=months_ahead(snapshot, month_index(now)),
        default_rows=sum(snapshot.default_rows.values()),
        partitions=partitions,
        premake_months=entry.premake_months,
        retention_months=entry.retention_months,
        retention_cutoff=plan.retention_cutoff,
        default_rows_by_month=dict(snapshot.default_rows),
        plan=plan,
    )


def partitions_status(*, now: dt.datetime | None = None, table: str | None = None) -> list[TableStatus]:
    """Return health, problems and partitions per table, in a fixed number of queries."""
    wall_now = timezone.now()
    now = _now(now)
    entries = registry_entries(table=table)
    snapshots = catalog_read(entries)
    statuses = []
    for entry in entries:
        last_run, last_success = _last_runs(entry.table)
        job_problems = run_problems(
            last_run=last_run, last_success=last_success, now=now, cron=settings.PARTITION_MAINTENANCE_CRON
        )
        statuses.append(
            _table_status(
                entry, snapshots[entry.table], now=now, wall_now=wall_now, job_problems=job_problems
            )
        )
    return statuses
