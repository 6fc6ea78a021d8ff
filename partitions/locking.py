"""Lock waits: the advisory locks a run holds on each parent, brief lock waits once writers are held off,
and the backoff between retried attempts."""

import random

import psycopg
from django.db import connection

from partitions import sql
from partitions.catalog import lock_timeout_setting
from partitions.planner import PartitionedTable

# Once a transaction holds a lock that holds off writers, it waits at most this long for each further lock
# (PARTITION_LOCK_TIMEOUT, if shorter): behind a long reader, ingestion pauses for a fraction of a second, the
# action is retried with backoff, and at worst left to the next run.
WRITER_HOLD_TIMEOUT = 0.2

# An action whose brief lock waits fail is retried within its patience (PARTITION_ACTION_PATIENCE): the wait
# before each attempt starts at BACKOFF_SECONDS and doubles up to BACKOFF_MAX_SECONDS, with jitter, so
# that a long reader ends and the action succeeds in the same run, while writers never wait long.
BACKOFF_SECONDS = 0.1
BACKOFF_MAX_SECONDS = 2.0
# Lock timeout, deadlock, serialization failure, and a stray row reaching DEFAULT between move and attach.
RETRYABLE_SQLSTATES = {"55P03", "40P01", "40001", "23514"}


class AdvisoryLocks:
    """Per-parent advisory locks held by a side connection until the run ends.

    `pg_try_advisory_xact_lock` lives as long as a transaction, and each action commits on its own; a
    second connection keeps one transaction open for the whole run instead. If the process dies, the
    connection closes and the locks go with it.
    """

    def __init__(self):
        self._connection = None

    def __enter__(self):
        self._connection = psycopg.connect(**connection.get_connection_params())
        return self

    def __exit__(self, *exc_info):
        if self._connection is not None:
            self._connection.close()  # rolls back: every lock taken is released
            self._connection = None

    def hold_run(self, run_id: int) -> None:
        """Hold the run's own lock until the run ends: while it is held, the run's process is alive."""
        with self._connection.cursor() as cursor:
            cursor.execute(sql.RUN_LOCK, [sql.RUN_LOCK_NAMESPACE, run_id])

    def try_acquire(self, table: str) -> bool:
        with self._connection.cursor() as cursor:
            cursor.execute(sql.ADVISORY_LOCK, [sql.ADVISORY_LOCK_NAMESPACE, table])
            return bool(cursor.fetchone()[0])


def retry_wait(attempt: int) -> float:
    """Return how long to wait after failed attempt number `attempt`: doubling, capped, jittered (½ to 1)."""
    ceiling = min(BACKOFF_MAX_SECONDS, BACKOFF_SECONDS * 2 ** (attempt - 1))
    return random.uniform(ceiling / 2, ceiling)


def lock_timeout_brief(cursor, entry: PartitionedTable) -> None:
    """Wait at most WRITER_HOLD_TIMEOUT for each lock from now on in this transaction."""
    cursor.execute(sql.LOCK_TIMEOUT, [lock_timeout_setting(min(entry.lock_timeout, WRITER_HOLD_TIMEOUT))])


def lock_timeout_restore(cursor, entry: PartitionedTable) -> None:
    """Wait up to the table's own lock timeout again (for statements that hold off no writer yet)."""
    cursor.execute(sql.LOCK_TIMEOUT, [lock_timeout_setting(entry.lock_timeout)])


def lock_briefly(cursor, entry: PartitionedTable, statements: list) -> None:
    """Take locks that hold off writers, waiting at most WRITER_HOLD_TIMEOUT for each."""
    lock_timeout_brief(cursor, entry)
    for statement in statements:
        cursor.execute(statement)
    lock_timeout_restore(cursor, entry)
