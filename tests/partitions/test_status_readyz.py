"""/readyz reports partition health: a critical table makes it 503; warnings do not."""

import time

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from partitions.models import MaintenanceRun
from partitions.planner import month_index, month_start, partition_name
from partitions.readiness import partitions_ready
from partitions.services import partitions_apply
from tests.factories import insert_events

# The clock stands still at the start of each test, so a test never straddles a month end.
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(None, tick=False)]


@pytest.fixture
def current() -> int:
    """This UTC month, read when the test starts (the clock is pinned there for the whole test)."""
    return month_index(timezone.now())


def test_readyz_is_ok_when_every_table_is_covered(client):
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI)

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["partitions"] == "ok"


def test_readyz_is_503_naming_the_missing_month_in_the_log_when_a_table_is_critical(client, current, caplog):
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI)
    missing = partition_name("events", current + 1)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE "{missing}"')

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == "ok"
    assert body["partitions"] == "failed"
    assert f"readiness check partitions failed: ['{missing} (next month" in caplog.text


def test_readyz_ignores_warnings_such_as_rows_in_default_or_a_failed_run(client, current):
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI)
    insert_events(captured_at=month_start(current + 24))
    MaintenanceRun.objects.create(trigger="beat", status=MaintenanceRun.Status.FAILED, error="x")

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["partitions"] == "ok"


def test_readyz_partition_check_reads_only_the_catalog(django_assert_num_queries):
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI)

    # Savepoint, statement timeout; catalog (savepoint, time zone, children, look-alikes, DEFAULT rows,
    # release); release. No run history. (The check alone: /readyz runs other apps' checks too.)
    with django_assert_num_queries(9) as captured:
        ready = partitions_ready()

    assert ready == (True, "ok")
    assert not any("maintenancerun" in query["sql"] for query in captured.captured_queries)


def test_readyz_answers_quickly_without_failing_when_maintenance_holds_a_lock(client, caplog):
    blocker = psycopg.connect(**connection.get_connection_params(), autocommit=False)
    try:
        blocker.execute("LOCK TABLE events_default IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        response = client.get("/readyz")
        elapsed = time.monotonic() - started
    finally:
        blocker.rollback()
        blocker.close()

    assert response.status_code == 200
    assert response.json()["partitions"] == "ok"
    assert "readiness check partitions: not checked: " in caplog.text
    assert elapsed < 4  # the check's statement timeout (1.5 s), not the 5 s lock timeout
