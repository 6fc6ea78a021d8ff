"""Reads for /metrics: each table's partition health and the maintenance job's history, as numbers.

The same catalog reads as the status page (statistics and the DEFAULT partition, never a COUNT over a
partitioned table), the last runs per table, and two aggregates over the run history.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Case, CharField, Count, F, Q, Value, When
from django.utils import timezone
from psycopg import sql as pgsql

from partitions import sql
from partitions.catalog import catalog_read
from partitions.health import INTERRUPTED_AFTER, run_problems, table_health
from partitions.models import MaintenanceRun
from partitions.planner import UNMANAGED, CatalogSnapshot, plan_table
from partitions.registry import registry_entries
from partitions.selectors.runs import IN_PROGRESS_STATUSES, maintenance_runs_last, run_in_progress

# A run still queued or running past INTERRUPTED_AFTER lost its process: counted, and shown, as abandoned.
ABANDONED = "abandoned"


def run_states() -> list[str]:
    """Return every state a run can be reported in: the model's statuses and ABANDONED."""
    return list(dict.fromkeys([*MaintenanceRun.Status.values, ABANDONED]))


def _run_state(run: MaintenanceRun | None, *, now: dt.datetime) -> str | None:
    if run is None:
        return None
    if run.status in IN_PROGRESS_STATUSES and not run_in_progress(run, now=now):
        return ABANDONED
    return run.status


@dataclass(frozen=True)
class TableMetrics:
    """One partitioned table's numbers at the moment of the scrape."""

    table: str
    health: str
    # Of the table's interval: the current month, or the current day for a daily table.
    current_month_covered: bool
    months_ahead: int
    default_rows: int
    beyond_horizon_rows: int
    partitions: int
    unmanaged: int
    last_run_state: str | None
    last_success_age_seconds: float  # +inf when no run has succeeded


@dataclass(frozen=True)
class MaintenanceCounts:
    """Runs by state (those still queued or running apart) and actions by (action, result)."""

    runs: dict[str, int]
    in_progress: dict[str, int]
    actions: dict[tuple[str, str], int]


@dataclass(frozen=True)
class PartitionsMetrics:
    tables: list[TableMetrics]
    maintenance: MaintenanceCounts


def _table_metrics(entry, snapshot: CatalogSnapshot, *, now: dt.datetime) -> TableMetrics:
    plan = plan_table(entry, snapshot, now=now, wall_now=now)
    last_run, last_success = maintenance_runs_last(table=entry.table)
    job_problems = run_problems(
        last_run=last_run, last_success=last_success, now=now, cron=settings.PARTITION_MAINTENANCE_CRON
    )
    health = table_health(entry=entry, snapshot=snapshot, plan=plan, now=now, job_problems=job_problems)
    current = entry.period_index(now)
    if last_success is None:
        success_age = float("inf")
    else:
        success_age = (now - (last_success.finished_at or last_success.started_at)).total_seconds()
    return TableMetrics(
        table=entry.table,
        health=health.health,
        current_month_covered=snapshot.covering_child(current) is not None,
        months_ahead=snapshot.periods_ahead(current),
        default_rows=sum(snapshot.default_rows.values()),
        beyond_horizon_rows=sum(plan.far_future_default_rows.values()),
        partitions=len(snapshot.children),
        unmanaged=sum(1 for child in snapshot.children if child.state == UNMANAGED),
        last_run_state=_run_state(last_run, now=now),
        last_success_age_seconds=max(success_age, 0.0),
    )


def maintenance_counts(*, now: dt.datetime) -> MaintenanceCounts:
    """Count runs by state and actions by result over the whole run history (two aggregate queries)."""
    abandoned = Q(status__in=IN_PROGRESS_STATUSES, started_at__lt=now - INTERRUPTED_AFTER)
    by_state = (
        MaintenanceRun.objects.annotate(
            state=Case(When(abandoned, then=Value(ABANDONED)), default=F("status"), output_field=CharField())
        )
        .values("state")
        .annotate(runs=Count("id"))
        .order_by()
    )
    runs, in_progress = {}, {}
    for row in by_state:
        (in_progress if row["state"] in IN_PROGRESS_STATUSES else runs)[row["state"]] = row["runs"]
    with connection.cursor() as cursor:
        cursor.execute(sql.ACTIONS_BY_RESULT.format(runs=pgsql.Identifier(MaintenanceRun._meta.db_table)))
        actions = {(action, result): count for action, result, count in cursor.fetchall()}
    return MaintenanceCounts(runs=runs, in_progress=in_progress, actions=actions)


def partitions_metrics(*, now: dt.datetime | None = None) -> PartitionsMetrics:
    """Return every registered table's metrics and the run history's counts, in a fixed number of queries."""
    now = now or timezone.now()
    entries = registry_entries()
    snapshots = catalog_read(entries)
    return PartitionsMetrics(
        tables=[_table_metrics(entry, snapshots[entry.table], now=now) for entry in entries],
        maintenance=maintenance_counts(now=now),
    )
