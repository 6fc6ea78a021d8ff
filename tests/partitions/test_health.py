"""Health rules that need no catalog: the maintenance job's own problems."""

import datetime as dt

from partitions.health import run_problems
from partitions.models import MaintenanceRun
from partitions.planner import UTC

NOW = dt.datetime(2027, 3, 10, 12, 0, tzinfo=UTC)


def run(status: str, *, minutes_ago: int, error: str = "") -> MaintenanceRun:
    started = NOW - dt.timedelta(minutes=minutes_ago)
    return MaintenanceRun(
        pk=7, trigger="beat", status=status, started_at=started, finished_at=started, error=error
    )


def test_a_recent_successful_run_is_no_problem():
    last = run("success", minutes_ago=30)
    assert run_problems(last_run=last, last_success=last, now=NOW, cron="15 * * * *") == []


def test_a_failed_last_run_is_named_with_its_error():
    problems = run_problems(
        last_run=run("failed", minutes_ago=5, error="create events_2027_04: 55P03: lock timeout"),
        last_success=run("success", minutes_ago=65),
        now=NOW,
        cron="15 * * * *",
    )
    assert problems == [
        "The last maintenance run (#7, 2027-03-10 11:55 UTC) failed: "
        "create events_2027_04: 55P03: lock timeout"
    ]


def test_a_success_two_scheduled_runs_ago_is_stale():
    last = run("success", minutes_ago=180)
    problems = run_problems(last_run=last, last_success=last, now=NOW, cron="15 * * * *")
    assert len(problems) == 1 and "2027-03-10 09:00 UTC" in problems[0]


def test_a_daily_schedule_is_not_stale_after_a_few_hours():
    last = run("success", minutes_ago=600)
    assert run_problems(last_run=last, last_success=last, now=NOW, cron="0 2 * * *") == []


def test_no_run_at_all_is_reported():
    assert run_problems(last_run=None, last_success=None, now=NOW, cron="15 * * * *") == [
        "No maintenance run has been recorded yet."
    ]


def test_a_run_left_running_is_reported_as_interrupted():
    problems = run_problems(
        last_run=run("running", minutes_ago=120),
        last_success=run("success", minutes_ago=121),
        now=NOW,
        cron="15 * * * *",
    )
    assert any("never finished" in p for p in problems)
