"""A maintenance run killed half-way leaves whole actions only; the next run finishes the plan."""

import datetime as dt
import json

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from partitions.models import MaintenanceRun
from partitions.selectors import maintenance_runs_recent
from tests.factories import UserFactory, insert_events
from tests.support.partitions import MONTHLY_NAME, drop_partitions
from tests.support.subprocesses import manage, manage_in_background
from tests.support.waiting import wait_until


def _plan() -> list[dict]:
    result = manage("partitions", "plan", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["actions"]


def _side_connection():
    return psycopg.connect(**connection.get_connection_params(), autocommit=False)


def _orphans(cursor) -> list[str]:
    """Tables named like managed partitions that are not attached to any parent: half-made partitions."""
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname ~ %s "
        "AND NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid)",
        [MONTHLY_NAME],
    )
    return [row[0] for row in cursor.fetchall()]


def _attach_blocked(cursor) -> bool:
    cursor.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND query ILIKE %s",
        ["%ATTACH PARTITION%"],
    )
    return cursor.fetchone()[0] > 0


def _backends(cursor) -> set[int]:
    cursor.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
    )
    return {row[0] for row in cursor.fetchall()}


@pytest.fixture
def drop_created_partitions(clean_platform_tables):
    yield
    drop_partitions()


def test_rotation_killed_mid_action_leaves_no_half_made_partition_and_the_next_run_finishes(
    drop_created_partitions,
):
    plan = _plan()
    event_months = [a for a in plan if a["table"] == "events" and a["action"] == "create"]
    assert len(event_months) >= 2
    assert any(a["table"] == "audit_log" for a in plan)  # done first, before events blocks
    first_month = event_months[0]
    stray_at = dt.datetime.fromisoformat(first_month["from"]) + dt.timedelta(days=1, hours=3)
    insert_events(plate_number="KILL001", captured_at=stray_at)  # waits in DEFAULT for its month

    blocker = _side_connection()
    try:
        with blocker.cursor() as cursor:
            # ATTACH needs SHARE UPDATE EXCLUSIVE on the parent: holding it stops events' first action
            # after CREATE TABLE and the DEFAULT rows' move, inside that action's transaction.
            cursor.execute("LOCK TABLE ONLY events IN SHARE UPDATE EXCLUSIVE MODE")
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_type = 'client backend'"
            )
            baseline = {row[0] for row in cursor.fetchall()}
            # A second of patience: the live month's rescue gives up on the held parent quickly, and the
            # next month's ATTACH is then the action the kill interrupts.
            worker = manage_in_background("partitions", "rotate", PARTITION_ACTION_PATIENCE="1s")
            try:
                with _side_connection() as watcher, watcher.cursor() as watch:
                    watcher.autocommit = True
                    wait_until(
                        lambda: _attach_blocked(watch), timeout=60, what="the rotation's blocked ATTACH"
                    )
                    worker.kill()
                    worker.communicate(timeout=30)
                    # The server rolls the killed worker's work back once its sessions have ended.
                    wait_until(
                        lambda: _backends(watch) <= baseline,
                        timeout=30,
                        what="the killed worker's sessions to end",
                    )
            finally:
                if worker.poll() is None:
                    worker.kill()
                    worker.communicate()
        blocker.rollback()
    finally:
        blocker.close()

    with connection.cursor() as cursor:
        assert _orphans(cursor) == []
        cursor.execute("SELECT count(*) FROM ONLY events_default WHERE plate_number = 'KILL001'")
        assert cursor.fetchone()[0] == 1  # the move was rolled back with the rest of the action
    remaining = _plan()
    assert not any(a["table"] == "audit_log" for a in remaining)  # audit_log's actions were committed
    assert [a["partition"] for a in remaining if a["table"] == "events"] == [
        a["partition"] for a in event_months
    ]
    killed = MaintenanceRun.objects.get()
    assert killed.status == MaintenanceRun.Status.RUNNING
    assert killed.finished_at is None
    # Its process is gone: the pages show it abandoned, with when it was last seen, before any run says so.
    [shown] = maintenance_runs_recent()
    assert shown.status == MaintenanceRun.Status.ABANDONED
    assert killed.started_at <= shown.last_seen_at <= timezone.now()
    client = Client()
    client.force_login(UserFactory(is_superuser=True))
    detail = client.get(reverse("partitions:run", args=[killed.pk])).content.decode()
    assert 'id="abandoned"' in detail
    assert f"last seen {shown.last_seen_at.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC" in detail
    status = client.get(reverse("partitions:status_json")).json()
    assert status["runs"][0]["status"] == "abandoned"
    assert any(f"#{killed.pk}" in p and "was abandoned" in p for p in status["tables"][0]["problems"])

    again = manage("partitions", "rotate", "--json")

    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["status"] == "success"
    # The next run recorded it.
    killed.refresh_from_db()
    assert killed.status == MaintenanceRun.Status.ABANDONED
    assert f"run #{json.loads(again.stdout)['run']} recorded it" in killed.error
    assert _plan() == []
    with connection.cursor() as cursor:
        assert _orphans(cursor) == []
        cursor.execute("SELECT count(*) FROM events WHERE plate_number = 'KILL001'")
        assert cursor.fetchone()[0] == 1
        cursor.execute("SELECT count(*) FROM ONLY events_default")
        assert cursor.fetchone()[0] == 0
    call_command("check")
