"""The partitions' gauges and counters on /metrics, scraped as Prometheus would (and as the web's role)."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from partitions.models import MaintenanceRun
from partitions.planner import month_index, month_start, partition_name
from partitions.services import partitions_apply
from tests.factories import insert_events
from tests.support.partitions import attach_month

# The clock stands still at the start of each test, so a test never straddles a month end.
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(None, tick=False)]


@pytest.fixture
def current() -> int:
    return month_index(timezone.now())


def scrape(client) -> dict[tuple[str, tuple], float]:
    """Scrape /metrics from loopback; map (sample name, sorted labels) to its value."""
    response = client.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


LAST_RUN = "chaverim_partition_maintenance_last_run_status"
SUCCESS_AGE = "chaverim_partition_maintenance_last_success_age_seconds"


def value(scraped: dict, name: str, **labels) -> float:
    return scraped[(name, tuple(sorted(labels.items())))]


def test_after_maintenance_every_table_is_covered_healthy_and_counted(client, current):
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI)

    scraped = scrape(client)

    # Monthly tables: three months ahead, four months and DEFAULT; the daily alert_queue: seven days ahead.
    for table, ahead in (("events", 3), ("audit_log", 3), ("alert_queue", 7)):
        assert value(scraped, "chaverim_partition_months_ahead", table=table) == ahead
        assert value(scraped, "chaverim_partition_current_month_covered", table=table) == 1
        assert value(scraped, "chaverim_partition_default_rows", table=table) == 0
        assert value(scraped, "chaverim_partition_default_rows_beyond_horizon", table=table) == 0
        assert value(scraped, "chaverim_partition_partitions", table=table) == ahead + 2
        assert value(scraped, "chaverim_partition_unmanaged_partitions", table=table) == 0
        assert value(scraped, SUCCESS_AGE, table=table) == 0
        assert value(scraped, LAST_RUN, table=table, status="success") == 1
        assert value(scraped, LAST_RUN, table=table, status="failed") == 0
        assert value(scraped, "chaverim_partition_health", table=table, health="ok") == 1
    assert value(scraped, "chaverim_maintenance_runs_total", status="success") == 1
    assert value(scraped, "chaverim_maintenance_runs_total", status="failed") == 0
    assert value(scraped, "chaverim_maintenance_runs_in_progress", status="running") == 0
    assert (
        value(scraped, "chaverim_maintenance_actions_total", action="create", result="success") == 4 + 4 + 8
    )


def test_the_gauges_move_when_next_month_goes_missing(client, current):
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE "{partition_name("events", current + 1)}"')

    scraped = scrape(client)

    assert value(scraped, "chaverim_partition_months_ahead", table="events") == 0
    assert value(scraped, "chaverim_partition_current_month_covered", table="events") == 1
    assert value(scraped, "chaverim_partition_partitions", table="events") == 4
    assert value(scraped, "chaverim_partition_health", table="events", health="critical") == 1
    assert value(scraped, "chaverim_partition_months_ahead", table="audit_log") == 3


def test_the_gauges_move_when_rows_land_in_default(client, current):
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE "{partition_name("events", current + 2)}"')
    insert_events(captured_at=month_start(current + 2).replace(day=9))
    insert_events(captured_at=month_start(current + 2).replace(day=10))
    # Dated where no partition can ever be made: maintenance leaves it in DEFAULT.
    insert_events(captured_at=dt.datetime(9999, 12, 5, tzinfo=dt.UTC))

    scraped = scrape(client)

    assert value(scraped, "chaverim_partition_default_rows", table="events") == 3
    assert value(scraped, "chaverim_partition_default_rows_beyond_horizon", table="events") == 1
    assert value(scraped, "chaverim_partition_months_ahead", table="events") == 1
    assert value(scraped, "chaverim_partition_health", table="events", health="warning") == 1
    assert value(scraped, "chaverim_partition_default_rows", table="audit_log") == 0

    partitions_apply(trigger=MaintenanceRun.Trigger.CLI)
    after = scrape(client)

    assert value(after, "chaverim_partition_default_rows", table="events") == 1  # the far-future row stays
    assert value(after, "chaverim_partition_months_ahead", table="events") == 3


def test_unmanaged_children_are_counted(client, current):
    attach_month("events", current)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE events_odd PARTITION OF events "
            f"FOR VALUES FROM ('{month_start(current + 5):%Y-%m-%d} 12:00:00+00') "
            f"TO ('{month_start(current + 6):%Y-%m-%d} 12:00:00+00')"
        )

    scraped = scrape(client)

    assert value(scraped, "chaverim_partition_unmanaged_partitions", table="events") == 1
    assert value(scraped, "chaverim_partition_partitions", table="events") == 3


def test_runs_whose_process_died_count_as_abandoned(client):
    two_hours_ago = timezone.now() - dt.timedelta(hours=2)
    beat, manual = MaintenanceRun.Trigger.BEAT, MaintenanceRun.Trigger.MANUAL
    queued = MaintenanceRun.Status.QUEUED
    MaintenanceRun.objects.create(trigger=beat, started_at=two_hours_ago)
    MaintenanceRun.objects.create(trigger=manual, status=queued, started_at=two_hours_ago)
    MaintenanceRun.objects.create(trigger=manual, status=queued)

    scraped = scrape(client)

    assert value(scraped, "chaverim_maintenance_runs_total", status="abandoned") == 2
    assert value(scraped, "chaverim_maintenance_runs_in_progress", status="queued") == 1
    assert value(scraped, "chaverim_maintenance_runs_in_progress", status="running") == 0
    assert value(scraped, "chaverim_maintenance_runs_total", status="success") == 0
    assert value(scraped, SUCCESS_AGE, table="events") == float("inf")


def test_failed_actions_are_counted_by_result(client, current):
    MaintenanceRun.objects.create(
        trigger=MaintenanceRun.Trigger.CLI,
        status=MaintenanceRun.Status.PARTIAL,
        finished_at=timezone.now(),
        actions=[
            {"table": "events", "action": "create", "partition": "events_2030_01", "result": "success"},
            {"table": "events", "action": "drop", "partition": "events_2010_01", "result": "failed"},
        ],
    )

    scraped = scrape(client)

    assert value(scraped, "chaverim_maintenance_runs_total", status="partial") == 1
    assert value(scraped, "chaverim_maintenance_actions_total", action="create", result="success") == 1
    assert value(scraped, "chaverim_maintenance_actions_total", action="drop", result="failed") == 1
    assert value(scraped, LAST_RUN, table="events", status="partial") == 1


def test_a_scrape_costs_the_same_queries_whatever_the_partitions_and_never_counts_a_parent(client, current):
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI)
    with CaptureQueriesContext(connection) as few:
        scrape(client)
    for month in range(current - 30, current):
        attach_month("events", month)
    with CaptureQueriesContext(connection) as many:
        scraped = scrape(client)

    assert value(scraped, "chaverim_partition_partitions", table="events") == 35
    assert len(many.captured_queries) == len(few.captured_queries)
    counted = [query["sql"] for query in many.captured_queries if "count(" in query["sql"].lower()]
    for statement in counted:
        assert not re.search(r'FROM\s+"?(events|audit_log)"?(\s|$)', statement), statement
