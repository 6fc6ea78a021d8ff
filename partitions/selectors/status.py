"""Reads for the status page, status.json, `partitions status` and /readyz: each table's health."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from partitions.catalog import catalog_read
from partitions.health import run_problems, table_health
from partitions.planner import CatalogSnapshot, PartitionedTable, month_index, plan_table
from partitions.registry import registry_entries
from partitions.selectors.runs import (
    JobStats,
    RunSummary,
    iso_utc,
    maintenance_job_stats,
    maintenance_runs_last,
    maintenance_runs_recent,
)


@dataclass(frozen=True)
class PartitionStatus:
    """One child of a table as the status shows it: bounds (None when unbounded), state and size."""

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

    def as_dict(self) -> dict:
        """Return the table as `partitions status --json` prints it."""
        return {
            "table": self.table,
            "health": self.health,
            "problems": self.problems,
            "months_ahead": self.months_ahead,
            "default_rows": self.default_rows,
            "partitions": [partition.as_dict() for partition in self.partitions],
        }

    def as_page_dict(self) -> dict:
        """Return the table as status.json shows it: the command's keys, its policy and its cutoff."""
        return {
            **self.as_dict(),
            "premake_months": self.premake_months,
            "retention_months": self.retention_months,
            "retention_cutoff": iso_utc(self.retention_cutoff),
        }


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


def _table_status(
    entry: PartitionedTable, snapshot: CatalogSnapshot, *, now, wall_now, job_problems
) -> TableStatus:
    plan = plan_table(entry, snapshot, now=now, wall_now=wall_now)
    health = table_health(entry=entry, snapshot=snapshot, plan=plan, now=now, job_problems=job_problems)
    return TableStatus(
        table=entry.table,
        column=entry.column,
        health=health.health,
        problems=health.problems,
        months_ahead=snapshot.months_ahead(month_index(now)),
        default_rows=sum(snapshot.default_rows.values()),
        partitions=_partition_statuses(snapshot),
        premake_months=entry.premake_months,
        retention_months=entry.retention_months,
        retention_cutoff=plan.retention_cutoff,
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


@dataclass(frozen=True)
class StatusOverview:
    """Everything the status page and status.json show."""

    tables: list[TableStatus]
    job: JobStats
    runs: list[RunSummary]
    generated_at: dt.datetime

    def as_dict(self) -> dict:
        return {
            "tables": [status.as_page_dict() for status in self.tables],
            "job": self.job.as_dict(),
            "runs": [summary.as_dict() for summary in self.runs],
            "generated_at": iso_utc(self.generated_at),
        }


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
