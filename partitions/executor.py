"""Carry out planned actions: each in its own transaction, under a lock timeout, retried with backoff."""

import logging
import time
from dataclasses import dataclass, field

import psycopg
import structlog
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from psycopg import sql as pgsql

from core.services import audit_log_write
from partitions import sql
from partitions.catalog import lock_timeout_setting
from partitions.hooks import RetentionHookError, RetiringPartition, retention_hooks
from partitions.locking import RETRYABLE_SQLSTATES, retry_wait
from partitions.planner import (
    CREATE,
    DETACH,
    Action,
    Child,
    PartitionedTable,
    bound_literal,
    month_index,
    parse_bound,
)
from partitions.registry import ARCHIVE_SCHEMA

logger = logging.getLogger(__name__)
# One structured line per action carried out (LOG_FORMAT=json makes it a JSON line for log shippers).
action_log = structlog.get_logger("partitions.actions")

SUCCESS, FAILED, PLANNED = "success", "failed", "planned"
# Once this transaction holds a lock that holds off writers, it waits at most this long for each further
# lock (PARTITION_LOCK_TIMEOUT, if shorter): behind a long reader, ingestion pauses for a fraction of a
# second, the action is retried with backoff, and at worst left to the next run.
WRITER_HOLD_TIMEOUT = 0.2


class PartitionChangedError(RuntimeError):
    """The partition is no longer what the plan saw: nothing is dropped on a stale plan."""


@dataclass
class ActionResult:
    """What happened to one planned action."""

    action: Action
    result: str
    sqlstate: str | None = None
    message: str | None = None
    moved_rows: int | None = None
    attempts: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)  # what the retention hooks did

    @property
    def error(self) -> str | None:
        if self.message is None:
            return None
        return f"{self.sqlstate}: {self.message}" if self.sqlstate else self.message

    def as_dict(self) -> dict:
        return {
            **self.action.as_dict(),
            "result": self.result,
            "error": self.error,
            "sqlstate": self.sqlstate,
            "moved_rows": self.moved_rows,
            "attempts": self.attempts,
            "seconds": round(self.seconds, 3),
            "notes": self.notes,
        }


def _sqlstate(exc: BaseException) -> str | None:
    cause = exc.__cause__ if isinstance(exc.__cause__, psycopg.Error) else exc
    return getattr(cause, "sqlstate", None)


def _message(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__


def insertable_columns(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(sql.INSERTABLE_COLUMNS, [table])
        return [row[0] for row in cursor.fetchall()]


def _create(
    cursor, entry: PartitionedTable, action: Action, columns: list[str], default: Child | None
) -> int:
    names = {
        "parent": pgsql.Identifier(entry.table),
        "partition": pgsql.Identifier(action.partition),
        "check": pgsql.Identifier(f"{action.partition}_bounds"[:63]),
        "column": pgsql.Identifier(entry.column),
    }
    start, end = bound_literal(action.start), bound_literal(action.end)
    cursor.execute(sql.CREATE_STANDALONE.format(**names), [start, end])
    cursor.execute(sql.PARENT_TRUNCATE_TRIGGERS, [entry.table])
    for trigger, schema, function in cursor.fetchall():
        cursor.execute(
            sql.CREATE_TRUNCATE_TRIGGER.format(
                trigger=pgsql.Identifier(trigger),
                partition=names["partition"],
                function=pgsql.Identifier(schema, function),
            )
        )
    moved = 0
    if default is not None:
        default_table = pgsql.Identifier(default.schema, default.relname)
        move = sql.MOVE_DEFAULT_ROWS.format(
            default=default_table,
            columns=pgsql.SQL(", ").join(pgsql.Identifier(column) for column in columns),
            **names,
        )
        # The write-once trigger lets these DELETEs through only with the flag set, in this transaction.
        cursor.execute(sql.MAINTENANCE_FLAG_ON)
        # First the bulk of the rows, while writers go on; then, under the locks, only what arrived since,
        # so that INSERTs wait for a short move and the ATTACH rather than for the whole rescue.
        cursor.execute(move, [start, end])
        moved = max(cursor.rowcount, 0)
        locks = [sql.LOCK_DEFAULT.format(default=default_table)]
        if action.default_rows or moved or action.month == month_index(timezone.now()):
            locks.insert(0, sql.LOCK_PARENT_FOR_RESCUE.format(**names))
        # ATTACH needs DEFAULT to itself: taken here, under the short timeout, so that a long reader of
        # DEFAULT cannot keep writers waiting behind the parent's lock.
        _lock_briefly(cursor, entry, locks)
        cursor.execute(move, [start, end])
        moved += max(cursor.rowcount, 0)
        cursor.execute(sql.MAINTENANCE_FLAG_OFF)
    # The DEFAULT partition no longer holds rows for the month, so its constraint check passes.
    cursor.execute(sql.ATTACH.format(**names), [start, end])
    cursor.execute(sql.DROP_CHECK.format(**names))
    return moved


def _lock_briefly(cursor, entry: PartitionedTable, statements: list) -> None:
    """Take locks that hold off writers, waiting at most WRITER_HOLD_TIMEOUT for each."""
    brief = min(entry.lock_timeout, WRITER_HOLD_TIMEOUT)
    cursor.execute(sql.LOCK_TIMEOUT, [lock_timeout_setting(brief)])
    for statement in statements:
        cursor.execute(statement)
    cursor.execute(sql.LOCK_TIMEOUT, [lock_timeout_setting(entry.lock_timeout)])


def _retention_hooks_run(cursor, entry: PartitionedTable, action: Action) -> list[str]:
    """Lock the partition against writes and call the hooks apps registered for its table."""
    hooks = retention_hooks(entry.table)
    if not hooks:
        return []
    cursor.execute(sql.LOCK_PARTITION_FOR_HOOKS.format(partition=pgsql.Identifier(action.partition)))
    retiring = RetiringPartition(
        table=entry.table, partition=action.partition, start=action.start, end=action.end, mode=action.action
    )
    notes = [hook(cursor, retiring) for hook in hooks]
    return [note for note in notes if note]


def _retire(cursor, entry: PartitionedTable, action: Action) -> list[str]:
    names = {"parent": pgsql.Identifier(entry.table), "partition": pgsql.Identifier(action.partition)}
    cursor.execute(sql.PARTITION_BOUND, [entry.table, action.partition])
    row = cursor.fetchone()
    if row is None or parse_bound(row[0]) != (action.start, action.end):
        raise PartitionChangedError(
            f"{action.partition} is no longer a partition of {entry.table} from {action.start.isoformat()} "
            f"to {action.end.isoformat()}; left alone"
        )
    # In this transaction, before the partition leaves: what the hooks write commits with the retirement.
    notes = _retention_hooks_run(cursor, entry, action)
    # DETACH takes the parent to itself; waiting for that queues every writer behind it, so wait briefly.
    _lock_briefly(cursor, entry, [sql.LOCK_PARENT_FOR_DETACH.format(**names)])
    cursor.execute(sql.DETACH.format(**names))
    if action.action == DETACH:
        schema = pgsql.Identifier(ARCHIVE_SCHEMA)
        cursor.execute(sql.CREATE_ARCHIVE_SCHEMA.format(schema=schema))
        cursor.execute(sql.MOVE_TO_SCHEMA.format(schema=schema, **names))
    else:
        cursor.execute(sql.DROP_TABLE.format(**names))
    return notes


def action_execute(
    *,
    entry: PartitionedTable,
    action: Action,
    columns: list[str],
    default: Child | None,
    actor_id=None,
    run_id: int | None = None,
) -> ActionResult:
    """Run one action in its own transaction; retry lock timeouts with backoff within the action's patience;
    record any failure."""
    started = time.monotonic()
    deadline = started + entry.action_patience
    outcome = ActionResult(action=action, result=FAILED)
    attempt = 0
    while True:
        attempt += 1
        outcome.attempts, outcome.notes = attempt, []  # a rolled-back attempt's hooks did nothing
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql.LOCK_TIMEOUT, [lock_timeout_setting(entry.lock_timeout)])
                if action.action == CREATE:
                    outcome.moved_rows = _create(cursor, entry, action, columns, default)
                else:
                    outcome.notes = _retire(cursor, entry, action)
                # Written after ATTACH, in the same transaction: the row lands in a real partition.
                audit_log_write(
                    actor_id=actor_id,
                    action=f"partition.{action.action}",
                    object_type="partition",
                    object_id=action.partition,
                    details={
                        "table": entry.table,
                        "from": action.start.isoformat(),
                        "to": action.end.isoformat(),
                        "moved_rows": outcome.moved_rows,
                        "notes": outcome.notes,
                        "run": run_id,
                    },
                )
        except (PartitionChangedError, RetentionHookError) as exc:
            outcome.sqlstate, outcome.message = None, str(exc)
            break
        except DatabaseError as exc:
            outcome.sqlstate, outcome.message = _sqlstate(exc), _message(exc)
            wait = retry_wait(attempt)
            retry = outcome.sqlstate in RETRYABLE_SQLSTATES and time.monotonic() + wait < deadline
            logger.log(
                logging.INFO if retry else logging.WARNING,
                "%s %s, attempt %d: %s%s",
                action.action,
                action.partition,
                attempt,
                outcome.error,
                f"; again in {wait:.2f} s" if retry else "",
            )
            if retry:
                time.sleep(wait)
                continue
            break
        else:
            outcome.result, outcome.sqlstate, outcome.message = SUCCESS, None, None
            break
    outcome.seconds = time.monotonic() - started
    action_log.log(
        logging.INFO if outcome.result == SUCCESS else logging.ERROR,
        "partition_action",
        run=run_id,
        table=entry.table,
        action=action.action,
        partition=action.partition,
        result=outcome.result,
        sqlstate=outcome.sqlstate,
        error=outcome.message,
        moved_rows=outcome.moved_rows,
        attempts=outcome.attempts,
        seconds=round(outcome.seconds, 3),
    )
    return outcome


def statistics_refresh(*, tables: list[tuple[str, str]]) -> None:
    """ANALYZE the given (schema, table) pairs, so row estimates follow rows moved out of DEFAULT.

    Best effort: ANALYZE does not block inserts, and a failure here loses nothing, so it is only logged.
    """
    for schema, table in tables:
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql.ANALYZE.format(table=pgsql.Identifier(schema, table)))
        except DatabaseError as exc:
            logger.warning("could not analyze %s.%s: %s", schema, table, _message(exc))
