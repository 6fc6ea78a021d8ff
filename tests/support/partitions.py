"""Look at, make and undo the monthly and daily partitions of the parents in tests that commit DDL."""

import datetime as dt

from django.db import connection

from partitions.planner import month_start, partition_name

PARENTS = ("events", "audit_log", "alert_queue")
# A monthly partition's name, attached or not (a half-made one is a plain table with that name).
MONTHLY_NAME = r"^(events|audit_log)_[0-9]{4}_[0-9]{2}$"
# The same for the daily table.
DAILY_NAME = r"^alert_queue_[0-9]{4}_[0-9]{2}_[0-9]{2}$"

CHILDREN_OF = """
    SELECT child.relname, pg_get_expr(child.relpartbound, child.oid) = 'DEFAULT'
      FROM pg_inherits JOIN pg_class AS child ON child.oid = inhrelid
     WHERE inhparent = to_regclass(%s)
"""
TABLES_NAMED_LIKE = """
    SELECT relname FROM pg_class
     WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r' AND relname ~ %s
"""


def children(table: str) -> dict[str, bool]:
    """Map each child of `table` to whether it is the DEFAULT partition."""
    with connection.cursor() as cursor:
        cursor.execute(CHILDREN_OF, [table])
        return dict(cursor.fetchall())


def partition_names(table: str) -> list[str]:
    """Return the names of the non-default partitions of `table`, sorted."""
    return sorted(name for name, is_default in children(table).items() if not is_default)


def drop_partitions() -> None:
    """Drop every non-default child of the parents, monthly look-alikes, and what tests made beside them."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in PARENTS:
            for name in partition_names(table):
                cursor.execute(f"DROP TABLE IF EXISTS {quote(name)}")
        for pattern in (MONTHLY_NAME, DAILY_NAME):
            cursor.execute(TABLES_NAMED_LIKE, [pattern])
            for (name,) in cursor.fetchall():
                cursor.execute(f"DROP TABLE IF EXISTS {quote(name)}")
        cursor.execute("DROP TABLE IF EXISTS events_legacy, events_odd")
        cursor.execute("DROP SCHEMA IF EXISTS archive CASCADE")


def attach_month(table: str, month: int) -> str:
    """Create a managed-looking partition of `table` for `month` the plain way (test set-up only)."""
    name = partition_name(table, month)
    start, end = month_start(month), month_start(month + 1)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {connection.ops.quote_name(name)} PARTITION OF {connection.ops.quote_name(table)} "
            f"FOR VALUES FROM ('{start:%Y-%m-%d} 00:00:00+00') TO ('{end:%Y-%m-%d} 00:00:00+00')"
        )
    return name


def attach_day(table: str, day: dt.date) -> str:
    """Create a managed-looking daily partition of `table` for `day` the plain way (test set-up only)."""
    name = f"{table}_{day:%Y_%m_%d}"
    following = day + dt.timedelta(days=1)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {connection.ops.quote_name(name)} PARTITION OF {connection.ops.quote_name(table)} "
            f"FOR VALUES FROM ('{day:%Y-%m-%d} 00:00:00+00') TO ('{following:%Y-%m-%d} 00:00:00+00')"
        )
    return name


def count_rows(table: str) -> int:
    """Count the rows of `table`, which may be schema-qualified (`archive.events_2020_01`)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


def rows_by_partition(table: str = "events") -> dict[str, int]:
    """Map each partition of `table` that holds rows to how many."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text, count(*) FROM {table} GROUP BY 1")
        return dict(cursor.fetchall())
