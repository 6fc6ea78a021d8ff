"""/partitions/status.json: the status page's data for monitoring, with ISO-8601 timestamps."""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from partitions.models import MaintenanceRun
from partitions.planner import month_index, month_label, month_start, partition_name
from partitions.services import partitions_apply
from tests.factories import UserFactory, insert_events
from tests.support.partitions import attach_month

# The clock stands still at the start of each test, so a test never straddles a month end.
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(None, tick=False)]


@pytest.fixture
def current() -> int:
    """This UTC month, read when the test starts (the clock is pinned there for the whole test)."""
    return month_index(timezone.now())


TABLE_KEYS = {
    "table",
    "interval",
    "health",
    "problems",
    "months_ahead",
    "default_rows",
    "partitions",
    "premake_months",
    "retention_months",
    "retention_cutoff",
    "covered_through",
    "notes",
    "far_future",
}
PARTITION_KEYS = {"name", "from", "to", "state", "estimated_rows", "total_bytes"}
JOB_KEYS = {"last_run", "last_success", "status", "duration_seconds", "next_run", "total_runs", "failures"}


def is_iso_with_offset(value: str) -> bool:
    return dt.datetime.fromisoformat(value).utcoffset() is not None


@pytest.fixture
def ops_client(client):
    client.force_login(UserFactory(groups=["Operations"]))
    return client


def test_json_has_tables_job_and_generated_at_in_the_documented_shape(ops_client, current):
    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI)
    insert_events(collector_id=uuid.uuid4(), captured_at=month_start(current + 5).replace(day=3))

    response = ops_client.get("/partitions/status.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) >= {"tables", "job", "generated_at"}
    assert [table["table"] for table in body["tables"]] == ["events", "audit_log", "alert_queue"]
    events = body["tables"][0]
    assert set(events) == TABLE_KEYS
    assert events["health"] == "warning"
    assert events["default_rows"] == 1
    assert any("events_default holds 1 row" in problem for problem in events["problems"])
    assert events["months_ahead"] == 3
    assert events["covered_through"] == month_label(current + 3)
    assert events["notes"] == []
    assert body["verdict"]["health"] == "warning"
    assert body["verdict"]["text"].startswith("Ingestion is safe: ")
    assert f"events and audit_log covered through {month_label(current + 3)}" in body["verdict"]["text"]
    # The daily table counts in days, under keys that say so.
    alert_queue = body["tables"][2]
    last_day = (timezone.now() + dt.timedelta(days=7)).astimezone(dt.UTC).date()
    assert set(alert_queue) == TABLE_KEYS - {"months_ahead", "premake_months", "retention_months"} | {
        "days_ahead",
        "premake_days",
        "retention_days",
    }
    assert (alert_queue["interval"], alert_queue["days_ahead"]) == ("day", 7)
    assert (alert_queue["premake_days"], alert_queue["retention_days"]) == (7, 30)
    assert alert_queue["covered_through"] == last_day.isoformat()
    assert f"alert_queue covered through {last_day.isoformat()}" in body["verdict"]["text"]
    this_month = next(p for p in events["partitions"] if p["name"] == partition_name("events", current))
    assert set(this_month) == PARTITION_KEYS
    assert this_month["from"] == month_start(current).isoformat()
    assert this_month["state"] == "managed"
    assert this_month["estimated_rows"] is None  # never analysed: unknown, not zero
    assert isinstance(this_month["total_bytes"], int)
    default = events["partitions"][-1]
    assert (default["name"], default["state"], default["from"], default["to"]) == (
        "events_default",
        "default",
        None,
        None,
    )
    assert is_iso_with_offset(events["retention_cutoff"])

    job = body["job"]
    assert set(job) >= JOB_KEYS
    assert job["status"] == "success"
    assert job["total_runs"] == 1 and job["failures"] == 0
    assert job["last_run"] == run.started_at.astimezone(dt.UTC).isoformat()
    assert job["last_success"] == run.finished_at.astimezone(dt.UTC).isoformat()
    assert job["duration_seconds"] >= 0
    for key in ("last_run", "last_success", "next_run"):
        assert is_iso_with_offset(job[key]), key
    assert is_iso_with_offset(body["generated_at"])
    assert body["runs"][0]["id"] == run.pk


def test_json_before_any_run_says_never_and_critical(ops_client):
    body = ops_client.get("/partitions/status.json").json()

    assert {table["health"] for table in body["tables"]} == {"critical"}
    assert body["job"]["last_run"] is None
    assert body["job"]["last_success"] is None
    assert body["job"]["status"] is None
    assert body["job"]["duration_seconds"] is None
    assert body["job"]["total_runs"] == 0
    assert is_iso_with_offset(body["job"]["next_run"])


def test_json_matches_the_page_and_costs_the_same_queries_for_12_and_96_partitions(ops_client, current):
    for offset in range(12):
        attach_month("events", current + 3 - offset)
    with CaptureQueriesContext(connection) as few:
        ops_client.get("/partitions/status.json")
    for offset in range(12, 96):
        attach_month("events", current + 3 - offset)

    with CaptureQueriesContext(connection) as many:
        body = ops_client.get("/partitions/status.json").json()

    assert len(many) == len(few)
    assert len(body["tables"][0]["partitions"]) == 97  # 96 months and DEFAULT
    page = ops_client.get("/partitions/")
    assert [t.health for t in page.context["overview"].tables] == [t["health"] for t in body["tables"]]


def test_json_is_not_cached(ops_client):
    response = ops_client.get("/partitions/status.json")
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
