"""Health rules that need no catalog: the maintenance job's own problems, advice on the DEFAULT partition."""

import datetime as dt

from partitions.health import DEFAULT_BLOAT_BYTES, default_partition_notes, run_problems
from partitions.models import MaintenanceRun
from partitions.planner import UTC, CatalogSnapshot
from partitions.planner.snapshot import Child

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


def _default(total_bytes: int) -> Child:
    return Child(
        name="events_default",
        relname="events_default",
        schema="public",
        bound="DEFAULT",
        bounds=None,
        is_default=True,
        period=None,
        estimated_rows=0,
        total_bytes=total_bytes,
    )


def test_an_empty_default_partition_large_on_disk_gets_advice_to_vacuum_it():
    snapshot = CatalogSnapshot(table="events", children=(_default(69 * 2**20),))

    notes = default_partition_notes(snapshot)

    assert len(notes) == 1
    assert "events_default is empty but takes 69.0 MiB on disk" in notes[0]
    assert "VACUUM events_default" in notes[0]


def test_a_small_or_a_waiting_default_partition_gets_no_advice():
    small = CatalogSnapshot(table="events", children=(_default(DEFAULT_BLOAT_BYTES - 1),))
    waiting = CatalogSnapshot(table="events", children=(_default(69 * 2**20),), default_rows={24321: 5})

    assert default_partition_notes(small) == []
    assert default_partition_notes(waiting) == []  # the rows waiting there are a warning of their own
