"""Each table's status read from the real catalog and run history: health, problems, partitions, cost."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from partitions.models import MaintenanceRun
from partitions.planner import month_index, month_start, partition_name
from partitions.selectors import table_status_list
from partitions.services import partitions_apply
from tests.factories import insert_events
from tests.support.partitions import attach_month

# The clock stands still at the start of each test, so a test never straddles a month end.
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(None, tick=False)]


@pytest.fixture
def current() -> int:
    """This UTC month, read when the test starts (the clock is pinned there for the whole test)."""
    return month_index(timezone.now())


def at(month: int, day: int = 15):
    return month_start(month).replace(day=day, hour=12)


def test_status_is_critical_naming_the_missing_current_month_on_a_fresh_database(current):
    events = table_status_list(table="events")[0]

    assert events.health == "critical"
    assert any(partition_name("events", current) in p and "current month" in p for p in events.problems)
    assert events.periods_ahead == 0
    assert events.partitions[-1].state == "default"


def test_status_is_ok_after_rotation_and_reports_rows_estimates_and_sizes(current):
    insert_events(captured_at=at(current))
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI)
    unknown = table_status_list(table="events")[0]
    with connection.cursor() as cursor:
        cursor.execute(f'ANALYZE "{partition_name("events", current)}"')

    events = table_status_list(table="events")[0]

    assert unknown.health == "ok", unknown.problems
    assert unknown.periods_ahead == 3
    never_analysed = {p.name: p for p in unknown.partitions}[partition_name("events", current + 1)]
    assert never_analysed.estimated_rows is None  # unknown, not zero
    by_name = {p.name: p for p in events.partitions}
    assert by_name[partition_name("events", current)].estimated_rows == 1
    assert by_name[partition_name("events", current)].total_bytes > 0
    assert events.as_dict()["partitions"][0]["from"] == month_start(current).isoformat()


def test_status_warns_about_rows_in_default_and_a_failed_last_run(current):
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI)
    insert_events(captured_at=at(current + 5))
    MaintenanceRun.objects.create(
        trigger="beat", status=MaintenanceRun.Status.FAILED, error="create x: 55P03: lock timeout"
    )

    events = table_status_list(table="events")[0]

    assert events.health == "warning"
    assert events.default_rows == 1
    assert any(
        "events_default holds 1 row" in p and partition_name("events", current + 5) in p
        for p in events.problems
    )
    assert any("failed: create x: 55P03" in p for p in events.problems)


def test_status_warns_when_fewer_months_ahead_than_premake(current):
    for offset in range(2):
        attach_month("events", current + offset)
    attach_month("events", current + 3)

    events = table_status_list(table="events")[0]

    assert events.periods_ahead == 1
    assert any(partition_name("events", current + 2) in p and "premake is 3" in p for p in events.problems)


def _status_queries() -> int:
    with CaptureQueriesContext(connection) as queries:
        table_status_list()
    return len(queries)


def test_status_costs_a_fixed_number_of_queries_whatever_the_number_of_partitions(current):
    for offset in range(12):
        attach_month("events", current - offset)
    few = _status_queries()
    for offset in range(12, 96):
        attach_month("events", current - offset)
    insert_events(captured_at=at(current + 5))

    assert _status_queries() == few
    assert not any('count(*) from "events"' in q["sql"].lower() for q in connection.queries)
