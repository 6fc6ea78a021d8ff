"""Maintenance against other connections and processes: committed DDL, cleaned up after each test."""

import contextlib
import datetime as dt
import json
import threading
import time

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from partitions import executor, locking
from partitions.models import MaintenanceRun
from partitions.planner import month_index, month_start, partition_name
from partitions.services import partitions_apply
from tests.support.partitions import partition_names, rows_by_partition
from tests.support.subprocesses import manage, manage_in_background
from tests.support.threads import running_in_thread
from tests.support.waiting import wait_until

# The clock stands still at the start of each test in this process; subprocesses and other connections
# keep the real one.
pytestmark = [pytest.mark.usefixtures("clean_partitions"), pytest.mark.time_machine(None, tick=False)]


@pytest.fixture
def current() -> int:
    """This UTC month, read when the test starts (the clock is pinned there for the whole test)."""
    return month_index(timezone.now())


def other_connection() -> psycopg.Connection:
    return psycopg.connect(**connection.get_connection_params())


@contextlib.contextmanager
def ingesting(*, lock_timeout: str | None = None):
    """Insert live events from another connection until the block ends; yield (inserted, errors)."""
    errors, inserted = [], []
    stop = threading.Event()

    def ingest():
        with other_connection() as writer:
            writer.autocommit = True
            if lock_timeout:
                writer.execute("SELECT set_config('lock_timeout', %s, false)", [lock_timeout])
            while not stop.is_set():
                try:
                    writer.execute(
                        "INSERT INTO events (collector_id, plate_number, captured_at) "
                        "VALUES (gen_random_uuid(), 'LIVE', now())"
                    )
                    inserted.append(1)
                except psycopg.Error as exc:
                    errors.append(exc)

    with running_in_thread(ingest):
        try:
            yield inserted, errors
        finally:
            stop.set()


def test_a_lock_held_on_the_parent_fails_the_run_in_bounded_time_and_the_next_run_succeeds(
    settings, monkeypatch
):
    settings.PARTITION_LOCK_TIMEOUT = 0.2
    settings.PARTITION_ACTION_PATIENCE = 1.0  # each action retries for a second, then gives up
    monkeypatch.setattr(locking, "BACKOFF_SECONDS", 0.05)
    holder = other_connection()
    try:
        holder.execute("LOCK TABLE ONLY events IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        failed = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")
        elapsed = time.monotonic() - started
    finally:
        holder.close()

    assert failed.status == MaintenanceRun.Status.FAILED
    assert {a["sqlstate"] for a in failed.actions} == {"55P03"}
    assert all(a["attempts"] >= 2 for a in failed.actions)
    assert "lock timeout" in failed.error
    # Four actions, each retried for its patience of a second: seconds, not forever.
    assert elapsed < 20
    assert partition_names("events") == []

    succeeded = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")

    assert succeeded.status == MaintenanceRun.Status.SUCCESS
    assert len(partition_names("events")) == 4


def test_a_concurrent_run_holding_the_advisory_lock_makes_this_run_skipped():
    holder = other_connection()
    try:
        holder.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [executor.sql.ADVISORY_LOCK_NAMESPACE, "events"]
        )
        run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")
    finally:
        holder.close()

    assert run.status == MaintenanceRun.Status.SKIPPED
    assert run.actions == []
    assert "another maintenance run" in run.error
    assert partition_names("events") == []


def test_three_rotations_started_at_once_all_exit_zero_and_agree(current):
    processes = [manage_in_background("partitions", "rotate", "--json") for _ in range(3)]
    outputs = [process.communicate(timeout=120) for process in processes]

    assert [process.returncode for process in processes] == [0, 0, 0], [err for _out, err in outputs]
    results = [json.loads(out) for out, _err in outputs]
    assert {result["status"] for result in results} <= {"success", "skipped"}
    created = [a["partition"] for result in results for a in result["actions"] if a["result"] == "success"]
    expected = [partition_name(table, current + i) for table in ("events", "audit_log") for i in range(4)]
    today = timezone.now().astimezone(dt.UTC).date()
    expected += [f"alert_queue_{today + dt.timedelta(days=i):%Y_%m_%d}" for i in range(8)]
    assert sorted(created) == sorted(expected)  # each month created once, by exactly one run
    assert partition_names("events") == [partition_name("events", current + i) for i in range(4)]
    assert MaintenanceRun.objects.filter(status=MaintenanceRun.Status.FAILED).count() == 0


def test_non_utc_database_and_session_time_zones_leave_bounds_at_utc_midnight(current):
    database = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER DATABASE \"{database}\" SET timezone TO 'Pacific/Chatham'")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET TimeZone = 'Asia/Kathmandu'")  # +05:45
        run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")
        with connection.cursor() as cursor:
            cursor.execute("SHOW TimeZone")
            session_zone = cursor.fetchone()[0]
            cursor.execute("SET TimeZone = 'UTC'")
            cursor.execute(
                "SELECT pg_get_expr(c.relpartbound, c.oid) "
                "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = 'events'::regclass AND c.relname = %s",
                [partition_name("events", current)],
            )
            bound = cursor.fetchone()[0]
        # A subprocess connects afresh and sees the database default time zone.
        status = manage("partitions", "status", "--table", "events", "--json")
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{database}" RESET timezone')

    assert run.status == MaintenanceRun.Status.SUCCESS
    assert session_zone == "Asia/Kathmandu"  # SET LOCAL left the caller's session alone
    start = f"{month_start(current):%Y-%m-%d %H:%M:%S}+00"
    assert bound.startswith(f"FOR VALUES FROM ('{start}')")
    partitions = json.loads(status.stdout)["tables"][0]["partitions"]
    assert [p["state"] for p in partitions] == ["managed"] * 4 + ["default"]
    assert partitions[0]["from"].endswith("T00:00:00+00:00")


def test_inserts_arriving_while_the_live_month_is_rescued_all_succeed_and_land_in_it(current):
    with ingesting() as (inserted, errors):
        # Rows pile up in DEFAULT (the current month does not exist yet), and keep coming after the rescue.
        wait_until(lambda: len(inserted) >= 20, timeout=30, what="rows inserted into DEFAULT")
        run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")
        rescued = len(inserted)
        wait_until(lambda: len(inserted) >= rescued + 20, timeout=30, what="rows inserted after the rescue")

    assert errors == []
    assert run.status == MaintenanceRun.Status.SUCCESS
    assert rows_by_partition("events") == {partition_name("events", current): len(inserted)}


def test_a_long_reader_of_default_never_holds_writers_back_and_the_rescue_waits_for_a_later_run(
    settings, monkeypatch, current
):
    # The default 5 s lock timeout stays; only the waits that would hold writers off are kept brief. The
    # reader outlasts the action's patience (a second here), so the action is left for a later run.
    settings.PARTITION_ACTION_PATIENCE = 1.0
    monkeypatch.setattr(locking, "BACKOFF_SECONDS", 0.05)
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")
    stray_month = current + 5  # beyond the premade months, within the horizon: its rows wait in DEFAULT
    with other_connection() as setup:
        setup.execute(
            "INSERT INTO events (collector_id, plate_number, captured_at) "
            "VALUES (gen_random_uuid(), 'STRAY', %s)",
            [month_start(stray_month) + dt.timedelta(days=2)],
        )
        setup.commit()
    reader = other_connection()
    reader.execute("SELECT count(*) FROM events_default")  # a report query, its transaction left open
    try:
        # A writer that would notice a wait of a second: the old behaviour held it up to 5 s.
        with ingesting(lock_timeout="1s") as (inserted, errors):
            blocked = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")
    finally:
        reader.close()

    assert errors == []
    assert inserted
    [action] = [a for a in blocked.actions if a["partition"] == partition_name("events", stray_month)]
    assert (action["result"], action["sqlstate"]) == ("failed", "55P03")
    assert action["attempts"] >= 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM events_default WHERE plate_number = 'STRAY'")
        assert cursor.fetchone() == (1,)  # still in DEFAULT, not lost

    finished = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")

    assert finished.status == MaintenanceRun.Status.SUCCESS
    assert partition_name("events", stray_month) in partition_names("events")


def test_behind_a_three_second_reader_the_rotation_succeeds_in_the_same_run_and_writers_never_wait_long(
    current,
):
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")
    with connection.cursor() as cursor:
        # The live month is missing: its rows go to DEFAULT, and its rescue must lock both the parent
        # (briefly holding writers off) and DEFAULT (which the reader holds).
        cursor.execute(f'DROP TABLE "{partition_name("events", current)}"')
    waits, errors = [], []
    stop = threading.Event()

    def write_steadily():
        with other_connection() as writer:
            writer.autocommit = True
            while not stop.is_set():
                started = time.monotonic()
                try:
                    writer.execute(
                        "INSERT INTO events (collector_id, plate_number, captured_at) "
                        "VALUES (gen_random_uuid(), 'STEADY', now())"
                    )
                except psycopg.Error as exc:
                    errors.append(exc)
                waits.append(time.monotonic() - started)
                time.sleep(0.02)

    reader = other_connection()
    reader.execute("SELECT count(*) FROM events")  # a three-second report over every partition
    reader_done = threading.Timer(3.0, reader.rollback)
    try:
        with running_in_thread(write_steadily):
            reader_done.start()
            started = time.monotonic()
            run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")
            elapsed = time.monotonic() - started
            stop.set()
    finally:
        stop.set()
        reader_done.join()
        reader.close()

    assert run.status == MaintenanceRun.Status.SUCCESS, run.error
    [action] = run.actions
    assert action["attempts"] > 3  # it kept trying until the reader ended, within its patience
    assert 2.5 < elapsed < 30
    assert errors == []
    assert len(waits) > 50
    assert max(waits) < 0.25, sorted(waits)[-5:]
    assert rows_by_partition("events") == {partition_name("events", current): len(waits)}
