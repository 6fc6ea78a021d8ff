"""A maintenance run killed half-way leaves whole actions only; the next run finishes the plan."""

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from partitions.models import MaintenanceRun
from tests.factories import insert_events
from tests.faults.database import MANAGED_NAME, monthly_partitions_drop, test_database_url

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, wait: bool = True):
    env = {**os.environ, "DATABASE_URL": test_database_url(), "DB_POOL_SIZE": "0"}
    command = [sys.executable, "manage.py", *args]
    if not wait:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _plan() -> list[dict]:
    result = _manage("partitions", "plan", "--json")
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
        [MANAGED_NAME],
    )
    return [row[0] for row in cursor.fetchall()]


def _wait_for_blocked_attach(cursor, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query ILIKE %s",
            ["%ATTACH PARTITION%"],
        )
        if cursor.fetchone()[0]:
            return
        time.sleep(0.05)
    pytest.fail("the rotation never reached the blocked ATTACH")


def _backends(cursor) -> set[int]:
    cursor.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
    )
    return {row[0] for row in cursor.fetchall()}


def _wait_for_backends_gone(cursor, baseline: set[int], timeout: float = 30) -> None:
    """Wait until the killed worker's connections have ended (the server rolls their work back)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _backends(cursor) <= baseline:
            return
        time.sleep(0.05)
    pytest.fail("the killed worker's database sessions did not end")


@pytest.fixture
def drop_created_partitions(clean_platform_tables):
    yield
    monthly_partitions_drop()


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
            worker = _manage("partitions", "rotate", wait=False)
            try:
                with _side_connection() as watcher, watcher.cursor() as watch:
                    watcher.autocommit = True
                    _wait_for_blocked_attach(watch)
                    worker.kill()
                    worker.wait(timeout=30)
                    _wait_for_backends_gone(watch, baseline)
            finally:
                if worker.poll() is None:
                    worker.kill()
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

    again = _manage("partitions", "rotate", "--json")

    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["status"] == "success"
    assert _plan() == []
    with connection.cursor() as cursor:
        assert _orphans(cursor) == []
        cursor.execute("SELECT count(*) FROM events WHERE plate_number = 'KILL001'")
        assert cursor.fetchone()[0] == 1
        cursor.execute("SELECT count(*) FROM ONLY events_default")
        assert cursor.fetchone()[0] == 0
    call_command("check")
