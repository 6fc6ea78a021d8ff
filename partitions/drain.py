"""Drain a period's many rows out of DEFAULT in short batches before its partition is attached.

Moving millions of rows in the transaction that attaches the partition (rule 4) is one huge transaction and
WAL burst. Above PARTITION_DRAIN_BATCH rows, the rows first go, one committed batch at a time, into a
*drain table*: the standalone table the partition will become, under a name of its own
(`<partition>_drain`, which no planner mistakes for a month) and marked with a table comment. Each batch
deletes rows from DEFAULT and inserts them into the drain table in one statement, so a crash loses and
repeats nothing; the next run finds the marked drain table and carries on. The create action then adopts
the drain table (`drain_table_adopt`: a rename inside its own transaction), moves what arrived in DEFAULT
meanwhile, and attaches it. Until then the drained rows are in no partition: searches do not see them.
"""

import datetime as dt
import logging
import time
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone
from psycopg import sql as pgsql

from core.replica import read_alias
from partitions import sql
from partitions.catalog import lock_timeout_setting
from partitions.models import MaintenanceRun
from partitions.planner import (
    CREATE,
    Action,
    Child,
    PartitionedTable,
    bound_literal,
    drain_marker,
)
from partitions.planner import drain_table_name as _drain_name
from partitions.planner.bounds import DRAIN_SUFFIX

logger = logging.getLogger(__name__)

DRAIN_TABLE_FIND = """
    SELECT obj_description(c.oid, 'pg_class'), c.relispartition
      FROM pg_class AS c
     WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = %s AND c.relkind = 'r'
"""


DRAIN_TABLE_COMMENT = pgsql.SQL("COMMENT ON TABLE {drain} IS {marker}")

DRAIN_TABLE_RENAME = pgsql.SQL("ALTER TABLE {drain} RENAME TO {partition}")

DRAIN_TABLE_UNMARK = pgsql.SQL("COMMENT ON TABLE {partition} IS NULL")

DRAIN_TABLE_ROWS = pgsql.SQL("SELECT count(*) FROM {drain}")

DEFAULT_ROWS_IN_PERIOD = pgsql.SQL(
    "SELECT count(*) FROM ONLY {default} WHERE {column} >= %s::timestamptz AND {column} < %s::timestamptz"
)

# One batch: the next rows of the period in DEFAULT by time (from `after`, so that the index scan starts
# past the rows earlier batches deleted), deleted and inserted into the drain table in one statement.
BATCH_MOVE = pgsql.SQL(
    "WITH moved AS ("
    " DELETE FROM ONLY {default} WHERE ctid = ANY (ARRAY("
    "  SELECT ctid FROM ONLY {default}"
    "   WHERE {column} >= %s::timestamptz AND {column} < %s::timestamptz"
    "   ORDER BY {column} LIMIT %s))"
    " RETURNING {columns}),"
    " kept AS (INSERT INTO {drain} ({columns}) SELECT {columns} FROM moved RETURNING {column})"
    " SELECT count(*), max({column}) FROM kept"
)

# After the drain: DEFAULT's dead rows gone (and its empty tail truncated), so that the ATTACH, which scans
# DEFAULT under locks that hold writers off, reads next to nothing.
DEFAULT_VACUUM = pgsql.SQL("VACUUM (ANALYZE) {default}")


class DrainTableForeignError(RuntimeError):
    """A table has the drain table's name but was not made by a drain: it is left alone."""


@dataclass
class DrainProgress:
    """How far a drain has come: recorded on the run after each batch, shown on the run page."""

    table: str
    partition: str
    moved: int
    total: int
    batches: int = 0
    rows_per_second: float | None = None
    eta_seconds: float | None = None
    updated_at: str = ""
    done: bool = False

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, int(100 * self.moved / self.total))

    def as_dict(self) -> dict:
        return {**asdict(self), "percent": self.percent}


@dataclass(frozen=True)
class DrainPending:
    """A drain table waiting to become a partition: its rows are in no partition, so no search sees them."""

    drain_table: str
    parent: str
    estimated_rows: int | None


def drain_table_name(action: Action) -> str:
    return _drain_name(action.partition)


def _marker(entry: PartitionedTable, action: Action) -> str:
    return drain_marker(entry.table, action.start, action.end)


def _drain_table_state(cursor, entry: PartitionedTable, action: Action) -> str:
    """Return 'absent', 'ours' (a drain table of this period) or 'foreign' (not made by a drain)."""
    cursor.execute(DRAIN_TABLE_FIND, [drain_table_name(action)])
    row = cursor.fetchone()
    if row is None:
        return "absent"
    comment, is_partition = row
    return "ours" if comment == _marker(entry, action) and not is_partition else "foreign"


def _names(entry: PartitionedTable, action: Action, default: Child, columns: list[str]) -> dict:
    return {
        "drain": pgsql.Identifier(drain_table_name(action)),
        "column": pgsql.Identifier(entry.column),
        "default": pgsql.Identifier(default.schema, default.relname),
        "columns": pgsql.SQL(", ").join(pgsql.Identifier(column) for column in columns),
    }


def standalone_create(cursor, *, entry: PartitionedTable, action: Action, table: pgsql.Identifier) -> None:
    """Create `table` as the create action makes a partition: the parent's shape and indexes, the period's
    bounds as a CHECK (named for the partition, so that ATTACH skips its scan and the action drops it after),
    and the parent's BEFORE TRUNCATE triggers, which ATTACH does not clone."""
    names = {
        "parent": pgsql.Identifier(entry.table),
        "partition": table,
        "check": pgsql.Identifier(f"{action.partition}_bounds"[:63]),
        "column": pgsql.Identifier(entry.column),
    }
    cursor.execute(
        sql.CREATE_STANDALONE.format(**names), [bound_literal(action.start), bound_literal(action.end)]
    )
    cursor.execute(sql.PARENT_TRUNCATE_TRIGGERS, [entry.table])
    for trigger, schema, function in cursor.fetchall():
        cursor.execute(
            sql.CREATE_TRUNCATE_TRIGGER.format(
                trigger=pgsql.Identifier(trigger),
                partition=table,
                function=pgsql.Identifier(schema, function),
            )
        )


def drain_wanted(cursor, *, entry: PartitionedTable, action: Action, default: Child | None) -> bool:
    """Tell whether a create action should drain first: many rows waiting, or a drain left half done."""
    if action.action != CREATE or default is None:
        return False
    if action.default_rows > settings.PARTITION_DRAIN_BATCH:
        return True
    return _drain_table_state(cursor, entry, action) == "ours"


def batch_move(cursor, names: dict, *, after: dt.datetime, end: dt.datetime, batch: int):
    """Move one batch; return (rows moved, the latest time among them)."""
    cursor.execute(sql.MAINTENANCE_FLAG_ON)  # the write-once trigger lets the owner's DELETE through
    cursor.execute(BATCH_MOVE.format(**names), [after, end, batch])
    moved, latest = cursor.fetchone()
    cursor.execute(sql.MAINTENANCE_FLAG_OFF)
    return moved, latest


def _progress_record(run_id: int | None, progress: DrainProgress) -> None:
    if run_id is not None:
        MaintenanceRun.objects.filter(pk=run_id).update(
            progress=progress.as_dict(), heartbeat_at=timezone.now()
        )


def default_drain(
    *,
    entry: PartitionedTable,
    action: Action,
    columns: list[str],
    default: Child,
    run_id: int | None = None,
    batch: int | None = None,
) -> DrainProgress:
    """Move the period's rows from DEFAULT into its drain table, one committed batch at a time.

    Resumes a drain table left by an earlier run. Rows arriving in DEFAULT meanwhile stay there for the
    create action, which moves them under its locks. Must not run inside a transaction: each batch commits.
    """
    if connection.in_atomic_block:
        raise RuntimeError("default_drain commits batch by batch: call it outside a transaction")
    batch = batch or settings.PARTITION_DRAIN_BATCH
    names = _names(entry, action, default, columns)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql.LOCK_TIMEOUT, [lock_timeout_setting(entry.lock_timeout)])
        state = _drain_table_state(cursor, entry, action)
        if state == "foreign":
            raise DrainTableForeignError(
                f"{drain_table_name(action)} exists but was not made to drain {entry.table} for "
                f"{action.start.isoformat()}; it is left alone"
            )
        if state == "absent":
            standalone_create(cursor, entry=entry, action=action, table=names["drain"])
            marker = pgsql.Literal(_marker(entry, action))
            cursor.execute(DRAIN_TABLE_COMMENT.format(drain=names["drain"], marker=marker))
        cursor.execute(DRAIN_TABLE_ROWS.format(**names))
        already = cursor.fetchone()[0]
        cursor.execute(DEFAULT_ROWS_IN_PERIOD.format(**names), [action.start, action.end])
        waiting = cursor.fetchone()[0]
    progress = DrainProgress(
        table=entry.table, partition=action.partition, moved=already, total=already + waiting
    )
    logger.info(
        "draining %s rows of %s into %s (%s there already)",
        waiting,
        entry.table,
        drain_table_name(action),
        already,
    )
    started, moved_now, after = time.monotonic(), 0, action.start
    # One pass in time order; rows that arrive behind it stay in DEFAULT for the create action to move.
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql.LOCK_TIMEOUT, [lock_timeout_setting(entry.lock_timeout)])
            moved, latest = batch_move(cursor, names, after=after, end=action.end, batch=batch)
        if not moved:
            break
        after, moved_now = latest, moved_now + moved
        rate = moved_now / max(time.monotonic() - started, 1e-6)
        progress.moved += moved
        progress.total = max(progress.total, progress.moved)
        progress.batches += 1
        progress.rows_per_second = round(rate, 1)
        progress.eta_seconds = round((progress.total - progress.moved) / rate, 1)
        progress.updated_at = timezone.now().isoformat(timespec="seconds")
        _progress_record(run_id, progress)
        if moved < batch:
            break
    with connection.cursor() as cursor:
        cursor.execute(DEFAULT_VACUUM.format(**names))
    progress.done, progress.eta_seconds = True, 0.0
    progress.updated_at = timezone.now().isoformat(timespec="seconds")
    _progress_record(run_id, progress)
    return progress


def drain_table_adopt(cursor, *, entry: PartitionedTable, action: Action) -> bool:
    """In the create action's transaction: make a finished drain table the partition; False if none."""
    if _drain_table_state(cursor, entry, action) != "ours":
        return False
    cursor.execute(
        DRAIN_TABLE_RENAME.format(
            drain=pgsql.Identifier(drain_table_name(action)), partition=pgsql.Identifier(action.partition)
        )
    )
    cursor.execute(DRAIN_TABLE_UNMARK.format(partition=pgsql.Identifier(action.partition)))
    return True


def drain_before_create(
    *, entry: PartitionedTable, action: Action, columns: list[str], default: Child | None, run_id=None
) -> int:
    """Before a create action's transaction: drain when it would move too many rows at once, or when an
    earlier drain was left half done. Return the rows in the drain table (0 when there was no drain)."""
    if action.action != CREATE or default is None:
        return 0
    with connection.cursor() as cursor:
        if not drain_wanted(cursor, entry=entry, action=action, default=default):
            return 0
    return default_drain(entry=entry, action=action, columns=columns, default=default, run_id=run_id).moved


def drains_pending() -> list[DrainPending]:
    """Return the drain tables not attached yet, in one query (from the replica on pages that read there)."""
    with connections[read_alias()].cursor() as cursor:
        cursor.execute(sql.DRAIN_TABLES, [f"%{DRAIN_SUFFIX}"])
        rows = cursor.fetchall()
    return [
        DrainPending(
            drain_table=name,
            parent=comment.removeprefix("chaverim drain of ").split(" ", 1)[0],
            estimated_rows=None if reltuples is None or reltuples < 0 else int(reltuples),
        )
        for name, comment, reltuples in rows
    ]
