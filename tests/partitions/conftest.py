"""Fixtures for the partition engine: a known catalog before and after tests that commit DDL."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from partitions.planner import UTC, month_start, partition_name

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
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


ROOT = Path(__file__).resolve().parents[2]


def subprocess_env(**extra: str) -> dict[str, str]:
    """Environment for a subprocess (command, worker) that uses this test run's database."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    host = database.get("HOST") or database["OPTIONS"].get("host", "")
    url = f"postgres://{database['USER']}@/{database['NAME']}?host={host}"
    if database.get("PORT"):
        url += f"&port={database['PORT']}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DB_POOL_SIZE": "0",
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "test-only-secret-key",
        **extra,
    }


def manage(*args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    """Run `manage.py` in a subprocess against the test database."""
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=subprocess_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        check=False,
    )


def attach_month(table: str, month: int, column: str = "captured_at") -> str:
    """Create a managed-looking partition the plain way (test set-up only)."""
    name = partition_name(table, month)
    start, end = month_start(month), month_start(month + 1)
    with connection.cursor() as cursor:
        cursor.execute(
            f'CREATE TABLE "{name}" PARTITION OF "{table}" '
            f"FOR VALUES FROM ('{start:%Y-%m-%d} 00:00:00+00') TO ('{end:%Y-%m-%d} 00:00:00+00')"
        )
    return name


def rows_by_partition(table: str = "events") -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text, count(*) FROM {table} GROUP BY 1")
        return dict(cursor.fetchall())
