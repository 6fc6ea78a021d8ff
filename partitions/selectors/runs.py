"""Reads of the maintenance runs: the latest ones, the job's stats, a run's first error."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Q

from partitions import sql
from partitions.health import INTERRUPTED_AFTER
from partitions.models import MaintenanceRun
from partitions.retention import RELEASE
from partitions.schedule import maintenance_next_run

RECENT_RUNS = 20
FAILED_STATUSES = (MaintenanceRun.Status.FAILED, MaintenanceRun.Status.PARTIAL)
IN_PROGRESS_STATUSES = (MaintenanceRun.Status.QUEUED, MaintenanceRun.Status.RUNNING)
RUN_BADGES = {
    MaintenanceRun.Status.SUCCESS: "ok",
    MaintenanceRun.Status.FAILED: "critical",
}


def iso_utc(instant: dt.datetime | None) -> str | None:
    """Return an instant as ISO-8601 in UTC with its offset, as status.json writes it (None stays None)."""
    return instant.astimezone(dt.UTC).isoformat() if instant else None


def _seconds(duration: dt.timedelta | None) -> float | None:
    return round(duration.total_seconds(), 3) if duration is not None else None


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


def run_in_progress(run: MaintenanceRun, *, now: dt.datetime) -> bool:
    """Tell whether a run is queued or running, and recent enough to be; call runs_abandoned_show first."""
    return run.status in IN_PROGRESS_STATUSES and run.started_at >= now - INTERRUPTED_AFTER


def maintenance_run_in_progress(*, now: dt.datetime) -> MaintenanceRun | None:
    """Return the newest run that is queued or running with its process alive, or None."""
    candidates = list(
        MaintenanceRun.objects.select_related("user")
        .defer("plan", "actions")
        .filter(status__in=IN_PROGRESS_STATUSES, started_at__gte=now - INTERRUPTED_AFTER)
        .order_by("-started_at", "-id")
    )
    runs_abandoned_show(candidates)
    return next((run for run in candidates if run_in_progress(run, now=now)), None)


def run_planned_actions(run: MaintenanceRun) -> list[dict]:
    """Return the actions a run carried out of its plan: all but its `release` sweeps (never planned)."""
    return [action for action in run.actions if action.get("action") != RELEASE]


def run_not_carried_out(run: MaintenanceRun) -> list[dict]:
    """Return the planned actions of a run that have no result: the run stopped before them."""

    def key(action: dict) -> tuple:
        # "from" too: two expires of one DEFAULT partition differ only in their period.
        return action.get("table"), action.get("action"), action.get("partition"), action.get("from")

    done = {key(action) for action in run_planned_actions(run)}
    return [planned for planned in run.plan if key(planned) not in done]


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
        return cls(run=run, actions=len(run_planned_actions(run)), sqlstate=sqlstate, error=error)

    def as_dict(self) -> dict:
        run = self.run
        return {
            "id": run.pk,
            "trigger": run.trigger,
            "user": run.user.get_username() if run.user else None,
            "status": run.status,
            "started_at": iso_utc(run.started_at),
            "finished_at": iso_utc(run.finished_at),
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
            "last_run": iso_utc(self.last_run.started_at) if self.last_run else None,
            "last_run_id": self.last_run.pk if self.last_run else None,
            "last_success": iso_utc(self.last_success_at),
            "status": self.status,
            "duration_seconds": _seconds(self.duration),
            "next_run": iso_utc(self.next_run),
            "total_runs": self.total_runs,
            "failures": self.failures,
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


def runs_alive(*, run_ids: Iterable[int]) -> set[int]:
    """Return which of the runs still have a process holding their run lock."""
    run_ids = sorted(set(run_ids))
    if not run_ids:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(sql.RUNS_ALIVE, [sql.RUN_LOCK_NAMESPACE, run_ids])
        return {row[0] for row in cursor.fetchall()}


def runs_abandoned_show(runs: Iterable[MaintenanceRun | None]) -> None:
    """Show as abandoned each running run whose process is gone: one query, none when nothing runs.

    Its record says "running" until the next run records it abandoned; the page tells the truth meanwhile.
    """
    running = [run for run in runs if run is not None and run.status == MaintenanceRun.Status.RUNNING]
    alive = runs_alive(run_ids=[run.pk for run in running])
    for run in running:
        if run.pk not in alive:
            run.status = MaintenanceRun.Status.ABANDONED


def maintenance_runs_recent(*, limit: int = RECENT_RUNS) -> list[MaintenanceRun]:
    """Return the latest runs with their users, newest first (the plans, which can be long, deferred)."""
    runs = list(
        MaintenanceRun.objects.select_related("user").defer("plan").order_by("-started_at", "-id")[:limit]
    )
    runs_abandoned_show(runs)
    return runs


def maintenance_runs_last(*, table: str) -> tuple[MaintenanceRun | None, MaintenanceRun | None]:
    """Return the last run that covered a table and its last successful one (skipped runs left out)."""
    runs = MaintenanceRun.objects.filter(table__in=["", table]).exclude(status=MaintenanceRun.Status.SKIPPED)
    newest_first = ("-started_at", "-id")
    last = runs.order_by(*newest_first).first()
    runs_abandoned_show([last])
    return last, runs.filter(status=MaintenanceRun.Status.SUCCESS).order_by(*newest_first).first()
