"""A month's many DEFAULT rows drain in committed batches, survive a crash mid-way, and resume."""

import pytest
from django.db import connection, transaction
from psycopg import sql as pgsql

from partitions import drain, executor, sql
from partitions.catalog import catalog_read
from partitions.drain import (
    DrainTableForeignError,
    default_drain,
    drain_before_create,
    drain_table_adopt,
    drain_wanted,
    drains_pending,
)
from partitions.executor import insertable_columns
from partitions.models import MaintenanceRun
from partitions.planner import CREATE, Action, Reason, month_index, month_start, partition_name
from partitions.registry import registry_entries
from tests.support.partitions import partition_names, rows_by_partition

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("clean_partitions")]

MONTH = month_index(month_start(2026 * 12 + 2))  # March 2026
ROWS, BATCH = 2_500, 1_000
DRAIN_TABLE = f"{partition_name('events', MONTH)}_drain"

# Three rows share each minute, so that batch boundaries fall inside groups of equal times.
ROWS_INSERT = """
    INSERT INTO events (collector_id, plate_number, captured_at)
    SELECT gen_random_uuid(), 'DR' || g, %s::timestamptz + (g / 3) * interval '1 minute'
      FROM generate_series(1, %s) AS g
"""


@pytest.fixture
def month_in_default():
    """ROWS events of March 2026 waiting in DEFAULT (no March partition); return their ids."""
    with connection.cursor() as cursor:
        cursor.execute(ROWS_INSERT, [month_start(MONTH), ROWS])
        cursor.execute("SELECT id FROM events_default")
        ids = sorted(row[0] for row in cursor.fetchall())
    yield ids
    with connection.cursor() as cursor:
        cursor.execute(pgsql.SQL("DROP TABLE IF EXISTS {}").format(pgsql.Identifier(DRAIN_TABLE)))


def create_action(default_rows: int = ROWS):
    entry = registry_entries(table="events")[0]
    default = catalog_read([entry])["events"].default
    action = Action(
        "events", CREATE, partition_name("events", MONTH), MONTH, default_rows, Reason.DEFAULT_ROWS, "rows"
    )
    return entry, action, default, insertable_columns("events")


def ids_in(table: str) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(pgsql.SQL("SELECT id FROM ONLY {}").format(pgsql.Identifier(table)))
        return [row[0] for row in cursor.fetchall()]


def test_a_crash_mid_drain_loses_and_repeats_nothing_and_the_next_run_finishes_it(
    month_in_default, monkeypatch
):
    entry, action, default, columns = create_action()
    calls = []
    real_move = drain.batch_move

    def crashing_move(*args, **kwargs):
        result = real_move(*args, **kwargs)
        calls.append(result)
        if len(calls) == 2:  # the second batch fails after its move, before its commit
            raise RuntimeError("worker killed")
        return result

    monkeypatch.setattr(drain, "batch_move", crashing_move)
    with pytest.raises(RuntimeError, match="worker killed"):
        default_drain(entry=entry, action=action, columns=columns, default=default, batch=BATCH)

    assert len(ids_in(DRAIN_TABLE)) == BATCH  # the first batch committed, the second rolled back
    assert sorted(ids_in(DRAIN_TABLE) + ids_in("events_default")) == month_in_default

    monkeypatch.setattr(drain, "batch_move", real_move)
    progress = default_drain(entry=entry, action=action, columns=columns, default=default, batch=BATCH)

    assert (progress.moved, progress.total, progress.percent, progress.done) == (ROWS, ROWS, 100, True)
    assert ids_in("events_default") == []
    assert sorted(ids_in(DRAIN_TABLE)) == month_in_default


def test_the_create_action_adopts_the_drain_table_and_attaches_it_without_a_copy(month_in_default):
    entry, action, default, columns = create_action()
    default_drain(entry=entry, action=action, columns=columns, default=default, batch=BATCH)
    names = {
        "parent": pgsql.Identifier("events"),
        "partition": pgsql.Identifier(action.partition),
        "check": pgsql.Identifier(f"{action.partition}_bounds"),
    }

    with transaction.atomic(), connection.cursor() as cursor:
        assert drain_table_adopt(cursor, entry=entry, action=action)
        cursor.execute(sql.ATTACH.format(**names), [action.start, action.end])
        cursor.execute(sql.DROP_CHECK.format(**names))

    assert partition_names("events") == [action.partition]
    assert rows_by_partition("events") == {action.partition: ROWS}


def test_progress_is_recorded_on_the_run_after_each_batch(month_in_default):
    entry, action, default, columns = create_action()
    run = MaintenanceRun.objects.create(trigger=MaintenanceRun.Trigger.CLI, table="events")

    default_drain(entry=entry, action=action, columns=columns, default=default, run_id=run.pk, batch=BATCH)

    run.refresh_from_db()
    assert run.progress["partition"] == action.partition
    assert (run.progress["moved"], run.progress["total"], run.progress["batches"]) == (ROWS, ROWS, 3)
    assert run.progress["percent"] == 100
    assert run.progress["done"] is True
    assert run.progress["rows_per_second"] > 0
    assert run.heartbeat_at is not None


def test_a_table_of_the_drain_name_not_made_by_a_drain_is_left_alone(month_in_default):
    entry, action, default, columns = create_action()
    with connection.cursor() as cursor:
        cursor.execute(pgsql.SQL("CREATE TABLE {} (note text)").format(pgsql.Identifier(DRAIN_TABLE)))

    with pytest.raises(DrainTableForeignError, match="left alone"):
        default_drain(entry=entry, action=action, columns=columns, default=default, batch=BATCH)

    assert sorted(ids_in("events_default")) == month_in_default
    small = create_action(default_rows=BATCH)[1]  # few rows: no drain wanted, the table is not adopted
    with transaction.atomic(), connection.cursor() as cursor:
        assert not drain_wanted(cursor, entry=entry, action=small, default=default)
        assert not drain_table_adopt(cursor, entry=entry, action=small)


def test_a_drain_is_wanted_above_the_batch_size_or_to_finish_one_left_half_done(month_in_default, settings):
    settings.PARTITION_DRAIN_BATCH = BATCH
    entry, action, default, columns = create_action()
    small = create_action(default_rows=BATCH)[1]

    with connection.cursor() as cursor:
        assert drain_wanted(cursor, entry=entry, action=action, default=default)
        assert not drain_wanted(cursor, entry=entry, action=small, default=default)
        assert not drain_wanted(cursor, entry=entry, action=action, default=None)
    default_drain(entry=entry, action=action, columns=columns, default=default, batch=BATCH)
    with connection.cursor() as cursor:
        assert drain_wanted(cursor, entry=entry, action=small, default=default)


def test_a_half_done_drain_is_listed_for_the_status_page_until_adopted(month_in_default):
    entry, action, default, columns = create_action()
    assert drains_pending() == []
    default_drain(entry=entry, action=action, columns=columns, default=default, batch=BATCH)
    with connection.cursor() as cursor:
        cursor.execute(pgsql.SQL("ANALYZE {}").format(pgsql.Identifier(DRAIN_TABLE)))

    [pending] = drains_pending()

    assert (pending.drain_table, pending.parent, pending.estimated_rows) == (DRAIN_TABLE, "events", ROWS)
    with transaction.atomic(), connection.cursor() as cursor:
        drain_table_adopt(cursor, entry=entry, action=action)
    assert drains_pending() == []


def test_the_create_action_drains_first_only_above_the_batch_size(month_in_default, settings):
    settings.PARTITION_DRAIN_BATCH = BATCH
    entry, action, default, columns = create_action()

    assert (
        drain_before_create(entry=entry, action=create_action(BATCH)[1], columns=columns, default=default)
        == 0
    )
    assert ids_in("events_default") != []
    assert drain_before_create(entry=entry, action=action, columns=columns, default=default) == ROWS
    assert ids_in("events_default") == []


@pytest.mark.skipif(
    not hasattr(executor, "drain_before_create"), reason="the executor does not call the drain yet"
)
def test_the_engine_drains_a_month_with_more_rows_than_a_batch_then_attaches_it(month_in_default, settings):
    from partitions.services import partitions_apply

    settings.PARTITION_DRAIN_BATCH = BATCH

    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")

    march = partition_name("events", MONTH)
    [create] = [action for action in run.actions if action["partition"] == march]
    assert (run.status, create["result"], create["moved_rows"]) == ("success", "success", ROWS)
    assert rows_by_partition("events") == {march: ROWS}
    assert drains_pending() == []
    run.refresh_from_db()
    assert (run.progress["partition"], run.progress["moved"], run.progress["done"]) == (march, ROWS, True)
