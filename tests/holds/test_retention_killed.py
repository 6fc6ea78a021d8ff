"""Retention under concurrency: a rotation killed between the copy to events_held and the DROP loses nothing
and doubles nothing; a hold placed while rows leave (a month, or DEFAULT's expired rows) keeps them; and an
expire waiting for a hold being placed holds DEFAULT's writers back only briefly.

The copy and the retirement are one transaction: killed after the copy (while DETACH waits for the parent),
the server rolls both back; the next run copies and drops again, once.
"""

import time
import uuid

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from partitions.models import MaintenanceRun
from partitions.planner import month_index
from partitions.services import partitions_apply
from tests.factories import UserFactory, insert_events
from tests.holds.helpers import at, held_rows, hold_place
from tests.support.partitions import attach_month, count_rows, drop_partitions, partition_names
from tests.support.subprocesses import manage_in_background
from tests.support.threads import running_in_thread
from tests.support.waiting import wait_until

EXPIRED = 90
PLATE = "HELD001"

# A session of the rotation that has written to events_held and now waits for a lock (DETACH's, on events).
COPIED_AND_WAITING = """
    SELECT count(*)
      FROM pg_locks AS l
      JOIN pg_stat_activity AS a ON a.pid = l.pid
     WHERE l.relation = 'events_held'::regclass AND l.granted AND l.mode = 'RowExclusiveLock'
       AND a.wait_event_type = 'Lock' AND a.pid <> pg_backend_pid()
"""


@pytest.fixture
def clean(transactional_db, clean_platform_tables, clean_events_held):
    drop_partitions()
    yield
    drop_partitions()


def _side_connection():
    return psycopg.connect(**connection.get_connection_params(), autocommit=False)


def _backends(cursor) -> set[int]:
    cursor.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
    )
    return {row[0] for row in cursor.fetchall()}


def test_a_rotation_killed_after_the_copy_keeps_every_row_once(clean):
    month = month_index(timezone.now()) - EXPIRED
    expired = attach_month("events", month)
    camera = uuid.uuid4()
    held = insert_events([(camera, PLATE, at(month, 12)), (camera, PLATE, at(month, 13))])
    insert_events([(camera, "FREE002", at(month, 12))])
    hold = hold_place(
        case="2026-0042", placed_by=UserFactory(), plate=PLATE, start=at(month, 1), end=at(month + 1)
    )

    blocker = _side_connection()
    try:
        with blocker.cursor() as cursor:
            # A reader of the parent: DETACH's ACCESS EXCLUSIVE waits for it, after the copy, in the same
            # transaction; creates (SHARE UPDATE EXCLUSIVE) and the DEFAULT rescue are not held up.
            cursor.execute("LOCK TABLE ONLY events IN ACCESS SHARE MODE")
            with _side_connection() as watcher, watcher.cursor() as watch:
                watcher.autocommit = True
                baseline = _backends(watch)
                worker = manage_in_background(
                    "partitions", "rotate", "--table", "events", PARTITION_ACTION_PATIENCE="120s"
                )
                try:
                    wait_until(
                        lambda: watch.execute(COPIED_AND_WAITING).fetchone()[0],
                        timeout=60,
                        interval=0.01,
                        what="the rotation to copy the held rows and wait for DETACH's lock",
                    )
                    worker.kill()
                    worker.communicate(timeout=30)
                    wait_until(
                        lambda: _backends(watch) <= baseline, timeout=30, what="the killed worker's sessions"
                    )
                finally:
                    if worker.poll() is None:
                        worker.kill()
                        worker.communicate()
        blocker.rollback()
    finally:
        blocker.close()

    assert held_rows() == {}  # the copy rolled back with the retirement it belonged to
    assert expired in partition_names("events")
    assert count_rows(expired) == 3

    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")

    assert run.status == MaintenanceRun.Status.SUCCESS
    assert expired not in partition_names("events")
    assert held_rows() == {row_id: [hold.pk] for row_id in held}
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), count(DISTINCT id) FROM events_held")
        assert cursor.fetchone() == (2, 2)


WAITING_FOR_HOLDS = """
    SELECT count(*)
      FROM pg_locks AS l
     WHERE l.relation = 'legal_holds'::regclass AND NOT l.granted AND l.mode = 'ShareLock'
"""


def _hold_insert(cursor, placer, month: int) -> int:
    """Place a hold in an open transaction: the table is held ROW EXCLUSIVE until it commits."""
    cursor.execute(
        "INSERT INTO legal_holds (case_number, reason, plate_number, starts_at, ends_at, "
        "placed_by_id, placed_at, release_reason) "
        "VALUES ('RACE-1', 'r', %s, %s, %s, %s, now(), '') RETURNING id",
        [PLATE, at(month, 1), at(month + 1), placer.pk],
    )
    return cursor.fetchone()[0]


def test_a_hold_placed_while_its_month_is_retired_keeps_its_rows(clean):
    """The copy waits for a hold being placed, then sees it: a hold that commits never misses its rows."""
    month = month_index(timezone.now()) - EXPIRED
    expired = attach_month("events", month)
    held = insert_events(plate_number=PLATE, captured_at=at(month, 12))
    placer = UserFactory()

    placing = _side_connection()
    try:
        with placing.cursor() as cursor:
            hold_id = _hold_insert(cursor, placer, month)
            worker = manage_in_background("partitions", "rotate", "--table", "events")
            try:
                with _side_connection() as watcher, watcher.cursor() as watch:
                    watcher.autocommit = True
                    wait_until(
                        lambda: watch.execute(WAITING_FOR_HOLDS).fetchone()[0],
                        timeout=60,
                        what="the rotation's copy to wait for the hold being placed",
                    )
                placing.commit()
                _out, error = worker.communicate(timeout=120)
                assert worker.returncode == 0, error
            finally:
                if worker.poll() is None:
                    worker.kill()
                    worker.communicate()
    finally:
        placing.close()

    assert expired not in partition_names("events")
    assert held_rows() == {held[0]: [hold_id]}


# Longer than any brief wait: with the table's lock timeout, an expire would hold DEFAULT this long.
LOCK_TIMEOUT = 4.0


def _insert_waits(inserter, month: int, *, seconds: float) -> list[float]:
    """Insert rows routed to DEFAULT for `seconds`, each in its own transaction; return how long each took."""
    waits = []
    deadline = time.monotonic() + seconds
    with inserter.cursor() as cursor:
        while time.monotonic() < deadline:
            started = time.monotonic()
            cursor.execute(
                "INSERT INTO events (collector_id, plate_number, captured_at) "
                "VALUES (gen_random_uuid(), 'LIVE1', %s)",
                [at(month - 3)],  # no partition: DEFAULT
            )
            inserter.rollback()
            waits.append(time.monotonic() - started)
            time.sleep(0.02)
    return waits


def test_an_expire_waiting_for_a_hold_being_placed_holds_default_writers_only_briefly(clean, settings):
    settings.PARTITION_LOCK_TIMEOUT = LOCK_TIMEOUT
    month = month_index(timezone.now()) - EXPIRED
    held = insert_events(plate_number=PLATE, captured_at=at(month, 12))  # waits in DEFAULT, past retention
    placer = UserFactory()
    runs = []

    placing, inserter = _side_connection(), _side_connection()
    try:
        with placing.cursor() as cursor:
            hold_id = _hold_insert(cursor, placer, month)
            rotate = lambda: runs.append(partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events"))  # noqa: E731
            with running_in_thread(rotate), _side_connection() as watcher, watcher.cursor() as watch:
                watcher.autocommit = True
                wait_until(
                    lambda: watch.execute(WAITING_FOR_HOLDS).fetchone()[0],
                    timeout=60,
                    interval=0.01,
                    what="the expire's hook to wait for the hold being placed",
                )
                waits = _insert_waits(inserter, month, seconds=2 * LOCK_TIMEOUT / 3)
                placing.commit()  # the hold commits while the expire retries
    finally:
        placing.close()
        inserter.close()

    # Each attempt holds DEFAULT at most WRITER_HOLD_TIMEOUT (0.2 s) before it rolls back and backs off:
    # never the table's 4 s, and the retries do not queue writers behind one another.
    assert max(waits) < 1.0, waits
    (run,) = runs
    (expire,) = [action for action in run.actions if action["action"] == "expire"]
    assert (expire["result"], expire["removed_rows"]) == ("success", 1)
    assert expire["attempts"] > 1
    assert held_rows() == {held[0]: [hold_id]}  # the hold that committed during the expire kept its row
