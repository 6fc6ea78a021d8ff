"""Reads for the partition status page, its JSON, the plan preview and the runs."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from partitions.catalog import catalog_read
from partitions.health import maintenance_next_run, table_health
from partitions.models import MaintenanceRun
from partitions.planner import (
    DETACH,
    DROP,
    Action,
    TablePlan,
    month_index,
    month_label,
    plan_table,
)
from partitions.registry import ARCHIVE_SCHEMA, PartitionedTable, registry_entries
from partitions.services import TableStatus, partitions_plan, partitions_status

# --- partition status page -------------------------------------------------------------------------------

RECENT_RUNS = 20
FAILED_STATUSES = (MaintenanceRun.Status.FAILED, MaintenanceRun.Status.PARTIAL)
RUN_BADGES = {
    MaintenanceRun.Status.SUCCESS: "ok",
    MaintenanceRun.Status.FAILED: "critical",
}


def _iso(instant: dt.datetime | None) -> str | None:
    return instant.astimezone(dt.UTC).isoformat() if instant else None


def _seconds(duration: dt.timedelta | None) -> float | None:
    return round(duration.total_seconds(), 3) if duration is not None else None


def _rows(count: int) -> str:
    return f"{count:,} row{'s' if count != 1 else ''}"


def run_first_error(run: MaintenanceRun) -> tuple[str | None, str | None]:
    """Return the SQLSTATE and message of a run's first error (an action's, else the run's own)."""
    for action in run.actions:
        message = action.get("error")
        if not message:
            continue
        sqlstate = action.get("sqlstate")
        if sqlstate:
            message = message.removeprefix(f"{sqlstate}: ")
        return sqlstate, f"{action.get('action')} {action.get('partition')}: {message}"
    if run.error:
        return None, run.error.splitlines()[0]
    return None, None


@dataclass(frozen=True)
class RunSummary:
    """One maintenance run as the runs list shows it."""

    run: MaintenanceRun
    actions: int
    sqlstate: str | None
    error: str | None

    @property
    def badge(self) -> str:
        return RUN_BADGES.get(self.run.status, "warning")

    @classmethod
    def of(cls, run: MaintenanceRun) -> "RunSummary":
        sqlstate, error = run_first_error(run)
        return cls(run=run, actions=len(run.actions), sqlstate=sqlstate, error=error)

    def as_dict(self) -> dict:
        run = self.run
        return {
            "id": run.pk,
            "trigger": run.trigger,
            "user": run.user.get_username() if run.user else None,
            "status": run.status,
            "started_at": _iso(run.started_at),
            "finished_at": _iso(run.finished_at),
            "duration_seconds": _seconds(run.duration),
            "actions": self.actions,
            "sqlstate": self.sqlstate,
            "error": self.error,
        }


@dataclass(frozen=True)
class JobStats:
    """The maintenance job at a glance, after TimescaleDB's job views."""

    last_run: MaintenanceRun | None
    last_success: MaintenanceRun | None
    next_run: dt.datetime | None
    total_runs: int
    failures: int

    @property
    def status(self) -> str | None:
        return self.last_run.status if self.last_run else None

    @property
    def badge(self) -> str:
        return RUN_BADGES.get(self.status, "warning")

    @property
    def duration(self) -> dt.timedelta | None:
        return self.last_run.duration if self.last_run else None

    @property
    def last_success_at(self) -> dt.datetime | None:
        if self.last_success is None:
            return None
        return self.last_success.finished_at or self.last_success.started_at

    def as_dict(self) -> dict:
        return {
            "last_run": _iso(self.last_run.started_at) if self.last_run else None,
            "last_run_id": self.last_run.pk if self.last_run else None,
            "last_success": _iso(self.last_success_at),
            "status": self.status,
            "duration_seconds": _seconds(self.duration),
            "next_run": _iso(self.next_run),
            "total_runs": self.total_runs,
            "failures": self.failures,
        }


def table_status_dict(status: TableStatus) -> dict:
    """Return a table's status as `partitions status --json` prints it, with its policy and cutoff."""
    return {
        **status.as_dict(),
        "premake_months": status.premake_months,
        "retention_months": status.retention_months,
        "retention_cutoff": _iso(status.retention_cutoff),
    }


@dataclass(frozen=True)
class StatusOverview:
    """Everything the status page and status.json show."""

    tables: list[TableStatus]
    job: JobStats
    runs: list[RunSummary]
    generated_at: dt.datetime

    def as_dict(self) -> dict:
        return {
            "tables": [table_status_dict(status) for status in self.tables],
            "job": self.job.as_dict(),
            "runs": [summary.as_dict() for summary in self.runs],
            "generated_at": _iso(self.generated_at),
        }


def maintenance_job_stats(*, runs: list[MaintenanceRun], now: dt.datetime) -> JobStats:
    """Return the job's stats; `runs` are the latest runs, newest first (two queries, whatever the count)."""
    totals = MaintenanceRun.objects.aggregate(
        total=Count("id"), failures=Count("id", filter=Q(status__in=FAILED_STATUSES))
    )
    last_success = (
        MaintenanceRun.objects.filter(status=MaintenanceRun.Status.SUCCESS)
        .defer("plan", "actions")
        .order_by("-started_at", "-id")
        .first()
    )
    return JobStats(
        last_run=runs[0] if runs else None,
        last_success=last_success,
        next_run=maintenance_next_run(now=now),
        total_runs=totals["total"],
        failures=totals["failures"],
    )


def maintenance_runs_recent(*, limit: int = RECENT_RUNS) -> list[MaintenanceRun]:
    """Return the latest runs with their users, newest first (the plans, which can be long, deferred)."""
    return list(
        MaintenanceRun.objects.select_related("user").defer("plan").order_by("-started_at", "-id")[:limit]
    )


def partitions_overview(*, now: dt.datetime | None = None) -> StatusOverview:
    """Return every table's status, the job's stats and the latest runs, in a fixed number of queries."""
    now = now or timezone.now()
    runs = maintenance_runs_recent()
    return StatusOverview(
        tables=partitions_status(now=now),
        job=maintenance_job_stats(runs=runs, now=now),
        runs=[RunSummary.of(run) for run in runs],
        generated_at=now,
    )


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


# --- plan preview ----------------------------------------------------------------------------------------


def action_why(action: Action, *, plan: TablePlan, entry: PartitionedTable) -> str:
    """Say in a sentence why the planner wants this action, from the action and its bounds."""
    if action.action in (DROP, DETACH):
        why = (
            f"older than retention ({entry.retention_months} months): upper bound "
            f"{action.end:%Y-%m-%d} ≤ cutoff {plan.retention_cutoff.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"
        )
        if action.action == DETACH:
            why += f"; detached into schema {ARCHIVE_SCHEMA}, not dropped"
        return why
    ahead = action.month - month_index(plan.now)
    rows = action.default_rows
    if ahead == 0:
        why = "current month not created yet"
    elif ahead == 1:
        why = "next month not created yet"
    elif 1 < ahead <= entry.premake_months:
        why = f"{ahead} months ahead not created yet (premake is {entry.premake_months})"
    elif rows:
        return f"rows waiting in DEFAULT for this month: {_rows(rows)} move into it"
    else:
        why = "gap inside retention: no partition for this month between existing ones"
    if rows:
        why += f"; {_rows(rows)} waiting in DEFAULT move into it"
    return why


@dataclass(frozen=True)
class PlanRow:
    """One planned action and why it is there."""

    action: Action
    why: str


@dataclass(frozen=True)
class PlanPreview:
    """The dry-run plan of every table, and what the planner leaves alone."""

    now: dt.datetime
    rows: list[PlanRow]
    notes: list[str]


def plan_preview(*, now: dt.datetime | None = None) -> PlanPreview:
    """Return the dry-run plan of every registered table with a reason per action; change nothing."""
    now = now or timezone.now()
    entries = {entry.table: entry for entry in registry_entries()}
    rows, notes = [], []
    for plan in partitions_plan(now=now):
        entry = entries[plan.table]
        rows.extend(
            PlanRow(action=action, why=action_why(action, plan=plan, entry=entry)) for action in plan.actions
        )
        notes.extend(plan.blocked)
        notes.extend(
            f"{entry.default_partition} holds {_rows(count)} for {month_label(month)}, past retention: "
            "reported, not moved."
            for month, count in sorted(plan.stranded_default_rows.items())
        )
        if plan.drops_deferred:
            notes.append(
                f"{plan.table}: {plan.drops_deferred} more partition(s) past retention wait for later runs "
                f"(at most {entry.max_drops_per_run} per run)."
            )
    return PlanPreview(now=now, rows=rows, notes=notes)
