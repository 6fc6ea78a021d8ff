"""Health of a partitioned table, computed once and shared by the command, the page and status.json."""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from partitions.humanize import human_bytes, rows_text
from partitions.models import MaintenanceRun
from partitions.planner import (
    ADJECTIVES,
    DAY,
    EXPIRE,
    UNMANAGED,
    UTC,
    CatalogSnapshot,
    PartitionedTable,
    Reason,
    TablePlan,
)
from partitions.registry import horizon_setting
from partitions.schedule import cron_next_fire

OK, WARNING, CRITICAL = "ok", "warning", "critical"
# A run still "running" after this long was killed (the task's hard time limit is shorter).
INTERRUPTED_AFTER = dt.timedelta(hours=1)
STALE_GRACE = dt.timedelta(minutes=15)
QUEUED_TOO_LONG = dt.timedelta(minutes=10)
MAX_LISTED = 12  # problems of one kind listed before summing up the rest


def _listed(sentences: list[str]) -> list[str]:
    if len(sentences) <= MAX_LISTED:
        return sentences
    return [*sentences[:MAX_LISTED], f"… and {len(sentences) - MAX_LISTED} more like these."]


def _when(instant: dt.datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def run_problems(*, last_run, last_success, now: dt.datetime, cron: str) -> list[str]:
    """Describe what is wrong with the maintenance job itself (failed, interrupted or stale)."""
    problems = []
    if last_run is None:
        return ["No maintenance run has been recorded yet."]
    if last_run.status in (MaintenanceRun.Status.FAILED, MaintenanceRun.Status.PARTIAL):
        detail = f": {last_run.error.splitlines()[0]}" if last_run.error else "."
        problems.append(
            f"The last maintenance run (#{last_run.pk}, {_when(last_run.started_at)}) "
            f"{'failed' if last_run.status == MaintenanceRun.Status.FAILED else 'partly failed'}{detail}"
        )
    elif last_run.status == MaintenanceRun.Status.QUEUED and now - last_run.started_at > QUEUED_TOO_LONG:
        problems.append(
            f"Maintenance run #{last_run.pk} was queued at {_when(last_run.started_at)} and has not "
            "started: is the Celery worker down?"
        )
    elif last_run.status == MaintenanceRun.Status.ABANDONED:
        problems.append(
            f"Maintenance run #{last_run.pk}, started at {_when(last_run.started_at)}, was abandoned: its "
            f"process stopped (last seen {_when(last_run.last_seen_at)}). The next run completes its plan."
        )
    elif last_run.status == MaintenanceRun.Status.RUNNING and now - last_run.started_at > INTERRUPTED_AFTER:
        problems.append(
            f"Maintenance run #{last_run.pk} started at {_when(last_run.started_at)} never finished; "
            "it was probably interrupted (the next run completes its plan)."
        )
    if last_success is None:
        problems.append("No maintenance run has succeeded yet.")
    else:
        finished = last_success.finished_at or last_success.started_at
        first = cron_next_fire(cron, finished)
        second = cron_next_fire(cron, first) if first else None
        if second is not None and now > second + STALE_GRACE:
            problems.append(
                f"The last successful maintenance run was at {_when(finished)}: scheduled runs since "
                "have not succeeded (is the Celery worker or beat down?)."
            )
    return problems


@dataclass(frozen=True)
class TableHealth:
    """A table's badge and its problems: the critical ones (what makes it critical) first."""

    health: str
    critical: list[str]
    warnings: list[str]

    @property
    def problems(self) -> list[str]:
        return self.critical + self.warnings


def _default_rows_problems(
    entry: PartitionedTable, snapshot: CatalogSnapshot, plan: TablePlan, sources: Mapping[int, str]
) -> list[str]:
    default = snapshot.default_partition
    expiring = {action.period for action in plan.actions if action.action == EXPIRE}
    waiting = []
    for period, rows in sorted(snapshot.default_rows.items()):
        label = entry.period_label(period)
        if period in plan.far_future_default_rows:
            waiting.append(far_future_text(entry, default, period, rows, sources.get(period, "")))
        elif period in expiring:
            waiting.append(
                f"{default} holds {rows_text(rows)} for {label}, past retention: the next run removes them."
            )
        elif period in plan.stranded_default_rows:
            waiting.append(
                f"{default} holds {rows_text(rows)} dated {label}, past retention, before year 1: "
                "no run can name their period, so they stay there."
            )
        else:
            waiting.append(
                f"{default} holds {rows_text(rows)} for {label}; they move into "
                f"{entry.partition_name(period)} on the next run."
            )
    if snapshot.default_rows_unbounded:
        waiting.append(
            f"{default} holds {rows_text(snapshot.default_rows_unbounded)} dated -infinity or infinity: no "
            f"{entry.interval} can hold them, so they stay there."
        )
    return waiting


def far_future_text(entry: PartitionedTable, default: str, period: int, rows: int, source: str = "") -> str:
    """Say that rows dated beyond the horizon wait in DEFAULT: `3 rows dated 2031-03 from collector …`."""
    source = f" from {source}" if source else ""
    return (
        f"{rows_text(rows)} dated {entry.period_label(period)}{source} — camera clock? They stay in "
        f"{default}, never lost: that {entry.interval} is further ahead than premake ({entry.premake}) plus "
        f"{horizon_setting(entry)}."
    )


def table_health(
    *,
    entry: PartitionedTable,
    snapshot: CatalogSnapshot,
    plan: TablePlan,
    now: dt.datetime,
    job_problems: list[str],
    far_future_sources: Mapping[int, str] | None = None,
) -> TableHealth:
    """Return the health badge and one sentence per problem, each naming the partition concerned.

    `far_future_sources` names, per period beyond the horizon, where its DEFAULT rows came from.
    """
    critical: list[str] = []
    warnings: list[str] = []
    if not snapshot.exists:
        return TableHealth(CRITICAL, [f"Table {entry.table} does not exist."], [])
    if not snapshot.partitioned:
        return TableHealth(CRITICAL, [f"Table {entry.table} is not a partitioned table."], [])

    current = entry.period_index(now)
    unit = entry.interval
    next_one = "tomorrow" if unit == DAY else "next month"
    for period, when in ((current, f"the current {unit}"), (current + 1, next_one)):
        if snapshot.covering_child(period) is None:
            critical.append(
                f"{entry.partition_name(period)} ({when}, {entry.period_label(period)}) is missing: "
                f"its rows go to {snapshot.default_partition}."
            )
    ahead = snapshot.periods_ahead(current)
    if 1 <= ahead < entry.premake:
        warnings.append(
            f"Only {entry.periods_text(ahead)} ahead covered, premake is {entry.premake}: "
            f"{entry.partition_name(current + ahead + 1)} is missing."
        )
    if ahead > entry.horizon:
        warnings.append(
            f"{entry.periods_text(ahead)} ahead covered, more than premake ({entry.premake}) plus "
            f"{horizon_setting(entry)}: partitions up to {entry.period_label(current + ahead)} were made "
            "before any row needed them (a rotation with --now?). They are kept."
        )
    warnings.extend(_listed(_default_rows_problems(entry, snapshot, plan, far_future_sources or {})))
    gaps = [
        f"Gap: {action.partition} is missing inside retention."
        for action in plan.actions
        if action.reason is Reason.GAP
    ]
    warnings.extend(_listed(gaps))
    covered = {period for period in snapshot.drain_tables if snapshot.covering_child(period) is not None}
    # A drain table left behind: its rows are in no partition, so no search sees them (those a partition
    # already covers are in plan.blocked, with what to do).
    warnings.extend(
        _listed(
            [
                f"{drain} holds rows of {entry.table} for {entry.period_label(period)} that no search sees "
                f"until it is attached as {entry.partition_name(period)}: at the end of its drain, or by "
                "the next run if the drain stopped."
                for period, drain in sorted(snapshot.drain_tables.items())
                if period not in covered
            ]
        )
    )
    warnings.extend(_listed(list(plan.blocked)))
    unmanaged = [
        f"{child.name} is attached to {entry.table} but is not a managed {ADJECTIVES[entry.interval]} "
        f"partition ({child.describe_bounds()}); it is left alone."
        for child in snapshot.children
        if child.state == UNMANAGED
    ]
    warnings.extend(_listed(unmanaged))
    if plan.drops_deferred:
        warnings.append(
            f"{plan.drops_deferred} more partition(s) past retention wait for later runs "
            "(PARTITION_MAX_DROPS_PER_RUN)."
        )
    warnings.extend(job_problems)

    return TableHealth(CRITICAL if critical else WARNING if warnings else OK, critical, warnings)


# An empty DEFAULT partition this large holds only dead rows (left by rows moved out of it): worth a VACUUM.
DEFAULT_BLOAT_BYTES = 8 * 2**20


def default_partition_notes(snapshot: CatalogSnapshot) -> list[str]:
    """Give advice that does not make the table unhealthy: an empty DEFAULT partition large on disk."""
    default = snapshot.default
    if default is None or snapshot.default_rows or default.total_bytes < DEFAULT_BLOAT_BYTES:
        return []
    return [
        f"{default.name} is empty but takes {human_bytes(default.total_bytes)} on disk: dead rows left by "
        "rows moved out of it. Each new partition's ATTACH reads all of it while holding its lock; "
        f"VACUUM {default.name} (as the table's owner) gives the space back, as autovacuum will in time."
    ]
