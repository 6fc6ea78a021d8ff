"""Fixtures for the partition engine: a known catalog before and after tests that commit DDL."""

import datetime as dt

import pytest
from django.db import connection

from partitions.planner import UTC

PARENTS = ("events", "audit_log")

CHILDREN_OF = """
    SELECT child.relname, pg_get_expr(child.relpartbound, child.oid) = 'DEFAULT'
      FROM pg_inherits JOIN pg_class AS child ON child.oid = inhrelid
     WHERE inhparent = to_regclass(%s)
"""


def children(table: str) -> dict[str, bool]:
    """Map each child of `table` to whether it is the DEFAULT partition."""
    with connection.cursor() as cursor:
        cursor.execute(CHILDREN_OF, [table])
        return dict(cursor.fetchall())


def partition_names(table: str) -> list[str]:
    return sorted(name for name, is_default in children(table).items() if not is_default)


def drop_partitions() -> None:
    """Drop every non-default child of the registered parents, look-alikes and the archive schema."""
    with connection.cursor() as cursor:
        for table in PARENTS:
            for name in partition_names(table):
                cursor.execute(f'DROP TABLE IF EXISTS "{name}"')
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace "
            "AND relkind = 'r' AND relname ~ '^(events|audit_log)_[0-9]{4}_[0-9]{2}$'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP TABLE IF EXISTS "{name}"')
        cursor.execute("DROP TABLE IF EXISTS events_legacy, events_odd")
        cursor.execute("DROP SCHEMA IF EXISTS archive CASCADE")


@pytest.fixture
def clean_partitions(transactional_db, clean_platform_tables):
    """Start and end a transactional test with only the DEFAULT partitions and empty tables."""
    drop_partitions()
    yield
    drop_partitions()


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def count_rows(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (test constant)
        return cursor.fetchone()[0]
