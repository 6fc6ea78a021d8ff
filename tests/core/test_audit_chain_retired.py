"""Retiring audit rows never takes live rows out of `audit verify`'s reach.

Rows retired in chain order (a month whose rows all came before the next month's) move the anchor up. A row
retired above a live row cannot: a back-dated row expired from DEFAULT while older rows are live, or a month's
row that took its position after a row of the next month (a transaction that began before midnight and
committed after one that began after it). Such rows leave their hashes in audit_chain_retired; the walk
checks the links into and out of each, steps over it, and goes on checking the live rows around it.
"""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from core.audit_chain import audit_chain_walk
from core.services import audit_chain_anchor_record
from partitions.hooks import RetiringPartition
from partitions.models import MaintenanceRun
from partitions.planner import month_index, month_start
from partitions.services import partitions_apply
from tests.support.audit_chain import chain_restart, chain_verify
from tests.support.partitions import attach_month

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(None, tick=False)]

SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def current() -> int:
    return month_index(timezone.now())


def chain_fresh() -> None:
    """An empty chain, with no rows retired out of order either (rolled back with the test)."""
    chain_restart()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_chain_retired")


def audit_insert(when: dt.datetime, name: str) -> int:
    """Append an audit row dated `when` (the app role may set occurred_at); return its position."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_log (occurred_at, action, object_type, object_id) "
            "VALUES (%s, 'test', 't', %s) RETURNING chain_position",
            [when, name],
        )
        return cursor.fetchone()[0]


def tamper(position: int) -> None:
    """Change a row's content as the owner during maintenance would (its hash no longer matches)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('chaverim.partition_maintenance', 'on', true)")
        cursor.execute("UPDATE audit_log SET object_id = 'TAMPERED' WHERE chain_position = %s", [position])
        cursor.execute("SELECT set_config('chaverim.partition_maintenance', 'off', true)")


def retired_positions() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT position FROM audit_chain_retired ORDER BY position")
        return [row[0] for row in cursor.fetchall()]


def anchors() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT position FROM audit_chain_anchor ORDER BY position")
        return [row[0] for row in cursor.fetchall()]


def actions(run: MaintenanceRun, kind: str) -> list[dict]:
    return [action for action in run.actions if action["action"] == kind]


@pytest.fixture
def backdated(current):
    """Positions 1 and 3 live in the current month; position 2 back-dated past retention (in DEFAULT)."""
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="audit_log")  # the current month exists
    chain_fresh()
    now = timezone.now()
    return (
        audit_insert(now, "live-1"),
        audit_insert(month_start(current - 90) + dt.timedelta(days=3), "backdated"),
        audit_insert(now, "live-3"),
    )


def test_a_backdated_row_expired_from_default_is_stepped_over_not_anchored(backdated):
    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="audit_log")

    (expired,) = actions(run, "expire")
    assert (expired["result"], expired["removed_rows"]) == ("success", 1)
    assert expired["notes"] == ["audit chain: 1 row retired out of order, stepped over"]
    assert (anchors(), retired_positions()) == ([], [2])
    report = audit_chain_walk()
    assert (report.ok, report.start_position, report.stepped_over) == (True, 0, 1)
    assert report.rows >= 2  # positions 1 and 3, and the run's own audit rows after them
    _out, error = chain_verify()
    assert error is None, error


def test_tampering_with_a_live_row_below_an_expired_one_is_still_reported(backdated):
    """The reviewer's case: before, the expire anchored at position 2, and row 1 went unchecked."""
    tamper(backdated[0])
    _out, before = chain_verify()
    assert before is not None and "position 1:" in str(before)

    partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="audit_log")

    _out, after = chain_verify()
    assert after is not None and "position 1:" in str(after)


def test_a_live_row_rewritten_with_a_fresh_hash_breaks_the_link_into_the_retired_row(backdated):
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="audit_log")
    with connection.cursor() as cursor:  # a forger recomputes row 1's hash: row 2 (gone) no longer links
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE audit_log SET row_hash = sha256('forged') WHERE chain_position = 1")
        cursor.execute("SET LOCAL session_replication_role = origin")

    report = audit_chain_walk()

    assert report.problem is not None and report.problem.position in (1, 2)


@pytest.fixture
def across_midnight(current):
    """Month M past retention, M + 1 inside it; M's row at 3 took its position after M + 1's row at 2."""
    month = current - 85
    attach_month("audit_log", month)
    attach_month("audit_log", month + 1)
    chain_fresh()
    boundary = month_start(month + 1)
    audit_insert(boundary - SECOND, "M, before midnight")
    audit_insert(boundary + SECOND, "M+1, after midnight")
    audit_insert(boundary - SECOND / 2, "M, began before midnight, committed later")
    audit_insert(boundary + 2 * SECOND, "M+1, later")
    return month


@pytest.mark.usefixtures("across_midnight")
def test_a_month_retired_across_an_interleaved_boundary_keeps_the_next_months_rows_checked():
    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="audit_log")

    (dropped,) = actions(run, "drop")
    assert dropped["result"] == "success"
    assert dropped["notes"] == [
        "audit chain anchored at position 1; audit chain: 1 row retired out of order, stepped over"
    ]
    assert (anchors(), retired_positions()) == ([1], [3])
    _out, error = chain_verify()
    assert error is None, error
    tamper(2)  # the live row between the two retired ones is still checked
    _out, error = chain_verify()
    assert error is not None and "position 2:" in str(error)


def test_once_the_next_month_retires_too_the_anchor_moves_past_the_stepped_over_row(across_midnight):
    """Interleaving never blocks retention: the next retirement closes the gap and anchors past it."""
    month = across_midnight
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="audit_log")
    following = RetiringPartition(
        "audit_log",
        f"audit_log_{month_start(month + 1):%Y_%m}",
        month_start(month + 1),
        month_start(month + 2),
        "drop",
    )

    with connection.cursor() as cursor:
        note = audit_chain_anchor_record(cursor, following)

    assert note == "audit chain anchored at position 4"
    assert anchors() == [1, 4]
    report = audit_chain_walk()
    assert (report.ok, report.start_position, report.stepped_over) == (True, 4, 0)


def test_rows_retired_in_chain_order_only_move_the_anchor(current):
    month = current - 85
    attach_month("audit_log", month)
    chain_fresh()
    for day in (3, 4, 5):
        audit_insert(month_start(month) + dt.timedelta(days=day), f"day {day}")

    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="audit_log")

    (dropped,) = actions(run, "drop")
    assert dropped["notes"] == ["audit chain anchored at position 3"]
    assert (anchors(), retired_positions()) == ([3], [])
    out, error = chain_verify()
    assert error is None, error
    assert "after anchor 3" in out


def test_verify_since_the_row_after_a_retired_one_starts_from_its_kept_hash(backdated):
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="audit_log")

    report = audit_chain_walk(since=backdated[2])

    assert (report.ok, report.start_position) == (True, backdated[1])
