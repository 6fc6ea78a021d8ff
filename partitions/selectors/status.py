"""Reads for the status page, status.json, `partitions status` and /readyz: each table's health."""

import datetime as dt
import logging

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from partitions.catalog import catalog_read
from partitions.far_future import far_future_describer
from partitions.health import default_partition_notes, run_problems, table_health
from partitions.planner import CatalogSnapshot, PartitionedTable, plan_table
from partitions.registry import registry_entries
from partitions.schedule import maintenance_next_run
from partitions.selectors.runs import (
    RunSummary,
    maintenance_job_stats,
    maintenance_runs_last,
    maintenance_runs_recent,
)
from partitions.selectors.status_report import (
    FarFutureRows,
    PartitionStatus,
    StatusOverview,
    TableStatus,
    overview_verdict,
)

logger = logging.getLogger(__name__)


def _partition_statuses(snapshot: CatalogSnapshot) -> list[PartitionStatus]:
    """Return the children in bound order, DEFAULT last."""
    return [
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


def _far_future_rows(entry: PartitionedTable, plan) -> list[FarFutureRows]:
    """Describe the far-future rows of a table, by period, with what its app says of their sources."""
    if not plan.far_future_default_rows:
        return []
    describer = far_future_describer(entry.table)
    sources = {}
    if describer is not None:
        try:
            sources = describer(entry.period_start(min(plan.far_future_default_rows)))
        except DatabaseError:  # the status page shows the rows anyway, without their sources
            logger.warning("could not describe the far-future rows of %s", entry.table, exc_info=True)
    rows = []
    for period, count in sorted(plan.far_future_default_rows.items()):
        source = sources.get(entry.period_label(period))
        rows.append(
            FarFutureRows(
                month=entry.period_label(period),
                rows=count,
                source=source.source if source else "",
                url=source.url if source else None,
            )
        )
    return rows


def _table_status(
    entry: PartitionedTable, snapshot: CatalogSnapshot, *, now, wall_now, job_problems
) -> TableStatus:
    plan = plan_table(entry, snapshot, now=now, wall_now=wall_now)
    far_future = _far_future_rows(entry, plan)
    health = table_health(
        entry=entry,
        snapshot=snapshot,
        plan=plan,
        now=now,
        job_problems=job_problems,
        far_future_sources={
            period: rows.source
            for period, rows in zip(sorted(plan.far_future_default_rows), far_future, strict=True)
        },
    )
    current = entry.period_index(now)
    covered = snapshot.exists and snapshot.covering_child(current) is not None
    ahead = snapshot.periods_ahead(current) if snapshot.exists else 0
    return TableStatus(
        table=entry.table,
        column=entry.column,
        interval=entry.interval,
        health=health.health,
        problems=health.problems,
        periods_ahead=ahead,
        default_rows=snapshot.default_rows_total,
        partitions=_partition_statuses(snapshot),
        premake=entry.premake,
        retention=entry.retention,
        retention_cutoff=plan.retention_cutoff,
        covered_through=entry.period_label(current + ahead) if covered else None,
        notes=default_partition_notes(snapshot),
        far_future=far_future,
    )


def table_status_list(*, now: dt.datetime | None = None, table: str | None = None) -> list[TableStatus]:
    """Return health, problems and partitions per table, in a fixed number of queries."""
    wall_now = timezone.now()
    now = now or wall_now
    entries = registry_entries(table=table)
    snapshots = catalog_read(entries)
    statuses = []
    for entry in entries:
        last_run, last_success = maintenance_runs_last(table=entry.table)
        job_problems = run_problems(
            last_run=last_run, last_success=last_success, now=now, cron=settings.PARTITION_MAINTENANCE_CRON
        )
        statuses.append(
            _table_status(
                entry, snapshots[entry.table], now=now, wall_now=wall_now, job_problems=job_problems
            )
        )
    return statuses


def partitions_critical_problems(*, now: dt.datetime | None = None) -> list[str]:
    """Return what makes any table critical, from the catalog alone (no run history), for /readyz."""
    now = now or timezone.now()
    entries = registry_entries()
    snapshots = catalog_read(entries)
    problems = []
    for entry in entries:
        snapshot = snapshots[entry.table]
        plan = plan_table(entry, snapshot, now=now, wall_now=now)
        problems.extend(
            table_health(entry=entry, snapshot=snapshot, plan=plan, now=now, job_problems=[]).critical
        )
    return problems


def partitions_overview(*, now: dt.datetime | None = None) -> StatusOverview:
    """Return every table's status, the job's stats and the latest runs, in a fixed number of queries."""
    now = now or timezone.now()
    runs = maintenance_runs_recent()
    return StatusOverview(
        tables=table_status_list(now=now),
        job=maintenance_job_stats(runs=runs, now=now),
        runs=[RunSummary.of(run) for run in runs],
        generated_at=now,
    )


def partitions_home_summary(*, now: dt.datetime | None = None) -> dict:
    """Return what the home page tells ops: the verdict, each table's coverage, the last and next run."""
    now = now or timezone.now()
    tables = table_status_list(now=now)
    latest = maintenance_runs_recent(limit=1)
    return {
        "verdict": overview_verdict(tables),
        "tables": tables,
        "last_run": latest[0] if latest else None,
        "next_run": maintenance_next_run(now=now),
    }
