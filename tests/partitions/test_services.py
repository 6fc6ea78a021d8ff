"""Plan and apply against real PostgreSQL (DDL inside the test transaction is rolled back)."""

import datetime as dt
import uuid

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from core.models import AuditLog
from partitions.models import MaintenanceRun
from partitions.planner import Reason, month_index, month_start, partition_name
from partitions.selectors import table_status_list
from partitions.services import partitions_apply, partitions_plan
from tests.factories import insert_events
from tests.support.partitions import attach_month, count_rows, partition_names, rows_by_partition

# The clock stands still at the start of each test, so a test never straddles a month end.
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(None, tick=False)]


@pytest.fixture
def current() -> int:
    """This UTC month, read when the test starts (the clock is pinned there for the whole test)."""
    return month_index(timezone.now())


def at(month: int, day: int = 15) -> dt.datetime:
    return month_start(month).replace(day=day, hour=12)


def window(table: str, current: int) -> list[str]:
    return [partition_name(table, current + offset) for offset in range(4)]


def test_fresh_rotation_creates_the_current_month_and_three_ahead_for_every_table(current):
    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI)

    assert run.status == MaintenanceRun.Status.SUCCESS
    assert partition_names("events") == window("events", current)
    assert partition_names("audit_log") == window("audit_log", current)
    today = timezone.now().astimezone(dt.UTC).date()
    days = [today + dt.timedelta(days=offset) for offset in range(8)]  # today and premake 7 days
    assert partition_names("alert_queue") == [f"alert_queue_{day:%Y_%m_%d}" for day in days]
    assert [a["result"] for a in run.actions] == ["success"] * (4 + 4 + 8)
    assert run.finished_at is not None


def test_every_ddl_writes_an_audit_row_that_lands_in_a_real_partition():
    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI)

    audit = AuditLog.objects.filter(action="partition.create")
    assert sorted(audit.values_list("object_id", flat=True)) == sorted(a["partition"] for a in run.actions)
    assert all(row.details["run"] == run.pk for row in audit)
    assert count_rows("audit_log_default") == 0


def test_default_rows_for_past_near_and_horizon_months_are_moved_far_future_ones_kept_none_lost(current):
    months = {"past": current - 5, "near": current + 1, "horizon": current + 5, "far": current + 40}
    insert_events([(uuid.uuid4(), f"P{i}", at(m, day=1 + i)) for i, m in enumerate(months.values())])
    insert_events([(uuid.uuid4(), "EDGE", month_start(current + 1) - dt.timedelta(microseconds=1))])
    before = count_rows("events")
    plan = {a.partition: a for p in partitions_plan(table="events") for a in p.actions}
    assert plan[partition_name("events", months["past"])].default_rows == 1
    assert plan[partition_name("events", months["horizon"])].reason is Reason.DEFAULT_ROWS
    assert plan[partition_name("events", current + 4)].reason is Reason.BRIDGE
    assert partition_name("events", months["far"]) not in plan

    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")

    assert run.status == MaintenanceRun.Status.SUCCESS
    assert count_rows("events") == before == 5
    placed = rows_by_partition()
    assert placed[partition_name("events", months["past"])] == 1
    assert placed[partition_name("events", months["near"])] == 1
    assert placed[partition_name("events", months["horizon"])] == 1
    assert placed[partition_name("events", current)] == 1  # the last microsecond of the month stays in it
    # Beyond premake + horizon: the row stays in DEFAULT, never lost, and no partition is made for it.
    assert count_rows("events_default") == 1
    assert partition_name("events", months["far"]) not in partition_names("events")
    # The gap between the past month and now is filled, and so is the month before the horizon's.
    assert partition_name("events", current - 2) in partition_names("events")
    assert partition_name("events", current + 4) in partition_names("events")


def test_default_rows_past_retention_are_expired_by_the_run_never_moved_into_a_partition(current):
    old = current - 90
    insert_events(captured_at=at(old))
    before = table_status_list(table="events")[0].problems
    [plan] = partitions_plan(table="events")

    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")

    [expire] = [action for action in plan.actions if action.action == "expire"]
    assert (expire.partition, expire.start, expire.default_rows) == ("events_default", month_start(old), 1)
    assert any("past retention: the next run removes them" in p for p in before)
    assert partition_name("events", old) not in partition_names("events")
    assert count_rows("events_default") == 0
    assert run.status == MaintenanceRun.Status.SUCCESS


def test_a_second_rotation_has_nothing_to_do(current):
    insert_events(captured_at=at(current - 3))
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI)

    second = partitions_apply(trigger=MaintenanceRun.Trigger.CLI)

    assert second.status == MaintenanceRun.Status.SUCCESS
    assert second.actions == []
    assert all(plan.actions == () for plan in partitions_plan())


def test_moved_rows_stay_write_once_in_their_new_partition(current):
    insert_events(captured_at=at(current - 1))
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")

    with (
        pytest.raises(DatabaseError, match="write-once"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM events")
    assert count_rows(partition_name("events", current - 1)) == 1


def test_new_partitions_get_the_parent_indexes_and_no_leftover_check(current):
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")
    name = partition_name("events", current)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_inherits JOIN pg_class ON pg_class.oid = inhrelid "
            "WHERE inhparent IN (SELECT oid FROM pg_class WHERE relkind = 'I' "
            "AND (relname LIKE 'ix_events_%%' OR relname = 'events_pkey')) AND pg_class.relname LIKE %s",
            [f"{name}%"],
        )
        attached_indexes = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'c'", [name]
        )
        checks = cursor.fetchone()[0]
    assert attached_indexes == 4  # the primary key and the three indexes of events
    assert checks == 0


def test_lookalike_tables_and_unmanaged_children_are_left_alone(current):
    lookalike = partition_name("events", current + 2)
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE TABLE "{lookalike}" (id bigint, captured_at timestamptz)')
        cursor.execute(f'INSERT INTO "{lookalike}" VALUES (1, %s)', [at(current + 2)])
        cursor.execute(
            "CREATE TABLE events_legacy PARTITION OF events "
            "FOR VALUES FROM ('2010-01-01 00:00:00+00') TO ('2011-01-01 00:00:00+00')"
        )
        cursor.execute(
            "CREATE TABLE events_odd PARTITION OF events "
            f"FOR VALUES FROM ('{month_start(current + 5):%Y-%m-%d} 12:00:00+00') "
            f"TO ('{month_start(current + 6):%Y-%m-%d} 12:00:00+00')"
        )
    insert_events(captured_at=dt.datetime(2010, 6, 1, tzinfo=dt.UTC))

    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")

    assert run.status == MaintenanceRun.Status.SUCCESS
    assert lookalike not in partition_names("events")
    assert count_rows(lookalike) == 1
    assert {"events_legacy", "events_odd"} <= set(partition_names("events"))
    assert count_rows("events_legacy") == 1  # past retention, but unmanaged: never dropped
    status = table_status_list(table="events")[0]
    assert status.health == "warning"
    assert any(lookalike in p and "not a partition" in p for p in status.problems)
    assert any("events_legacy" in p and "left alone" in p for p in status.problems)
    states = {p.name: p.state for p in status.partitions}
    assert states["events_legacy"] == states["events_odd"] == "unmanaged"


@pytest.mark.parametrize("mode", ["drop", "detach"])
def test_partitions_past_retention_are_dropped_or_detached_into_archive(settings, mode, current):
    settings.PARTITION_RETENTION_MODE = mode
    expired = [attach_month("events", current - 86), attach_month("events", current - 85)]
    kept = attach_month("events", current - 84)  # upper bound is after now - 84 months
    insert_events(captured_at=at(current - 86))

    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")

    assert run.status == MaintenanceRun.Status.SUCCESS
    assert [a["partition"] for a in run.actions if a["action"] == mode] == expired
    names = partition_names("events")
    assert kept in names and not set(expired) & set(names)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s), to_regclass(%s)", [expired[0], f"archive.{expired[0]}"])
        public, archived = cursor.fetchone()
    if mode == "drop":
        assert public is None and archived is None
    else:
        assert archived is not None
        assert count_rows(f"archive.{expired[0]}") == 1
    assert AuditLog.objects.filter(action=f"partition.{mode}", object_id=expired[0]).exists()


def test_drops_per_run_are_capped_and_the_next_run_continues(settings, current):
    settings.PARTITION_MAX_DROPS_PER_RUN = 2
    expired = [attach_month("events", current - 90 + i) for i in range(5)]

    first = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")
    second = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")

    assert [a["partition"] for a in first.actions if a["action"] == "drop"] == expired[:2]
    assert [a["partition"] for a in second.actions if a["action"] == "drop"] == expired[2:4]
    assert expired[4] in partition_names("events")


def test_a_failed_action_is_recorded_with_its_sqlstate_and_the_run_goes_on(settings, current):
    settings.PARTITION_RETENTION_MODE = "detach"
    expired = attach_month("events", current - 90)
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA archive; CREATE TABLE archive."{expired}" (id int)')

    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")

    failed = [a for a in run.actions if a["result"] == "failed"]
    assert [a["partition"] for a in failed] == [expired]
    assert failed[0]["sqlstate"] == "42P07"
    assert failed[0]["error"].startswith("42P07: ")
    assert run.status == MaintenanceRun.Status.PARTIAL
    assert expired in partition_names("events")  # the whole action rolled back: still attached
    assert partition_names("events").count(partition_name("events", current)) == 1


def test_dry_run_changes_and_records_nothing():
    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, dry_run=True)

    assert run.pk is None
    assert {a["result"] for a in run.actions} == {"planned"}
    assert len(run.actions) == 4 + 4 + 8  # two monthly tables, and today and 7 days of alert_queue
    assert partition_names("events") == []
    assert not MaintenanceRun.objects.exists()


def test_plan_with_a_non_utc_now_uses_the_utc_month(current):
    # 23:30 at UTC-05:00 on the last day of a month is already the next month in UTC.
    last_day = month_start(current + 1) - dt.timedelta(days=1)
    local = dt.timezone(dt.timedelta(hours=-5))
    now = dt.datetime(last_day.year, last_day.month, last_day.day, 23, 30, tzinfo=local)

    plans = partitions_plan(now=now, table="events")

    assert plans[0].actions[0].partition == partition_name("events", current + 1)
    assert MaintenanceRun.objects.filter(Q(status="running")).count() == 0


@pytest.mark.parametrize(
    ("table", "column", "problem"),
    [
        ("no_such_table", "captured_at", "does not exist"),
        ("collectors", "created_at", "is not a partitioned table"),
    ],
)
def test_a_registered_table_that_is_missing_or_not_partitioned_is_critical_and_fails_the_run(
    settings, table, column, problem
):
    settings.PARTITION_REGISTRY = [{"table": table, "column": column}]

    (status,) = table_status_list()
    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI)

    assert status.health == "critical"
    assert status.problems == [f"Table {table} {problem}."]
    assert run.status == MaintenanceRun.Status.FAILED
    assert problem in run.error
    assert run.actions == []


def test_rows_moved_out_of_default_are_counted_in_the_estimates_at_once(current):
    past = current - 3
    insert_events([(uuid.uuid4(), f"S{i}", at(past, day=1 + i % 27)) for i in range(40)])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE events_default")

    partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")

    [status] = table_status_list(table="events")
    estimates = {p.name: p.estimated_rows for p in status.partitions}
    assert estimates[partition_name("events", past)] == 40
    assert estimates["events_default"] == 0


def test_new_months_refuse_truncate_by_name_as_the_parent_does(current):
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI)
    for table in ("events", "audit_log"):
        name = partition_name(table, current)
        with (
            pytest.raises(DatabaseError, match="write-once"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(f'TRUNCATE "{name}"')
