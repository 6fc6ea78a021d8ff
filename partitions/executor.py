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
from partitions.drain import DrainTableForeignError, drain_before_create, drain_table_adopt, standalone_create
from partitions.expiry import NoDefaultPartitionError, default_rows_expire
from partitions.hooks import RetentionHookError, notes_flatten, retention_hooks, retiring_of
from partitions.locking import (
    RETRYABLE_SQLSTATES,
    lock_briefly,
    lock_timeout_brief,
    lock_timeout_restore,
    retry_wait,
)
from partitions.planner import (
    CREATE,
    DETACH,
    EXPIRE,
    Action,
    Child,
    PartitionedTable,
    bound_literal,
    parse_bound,
)
from partitions.registry import ARCHIVE_SCHEMA

logger = logging.getLogger(__name__)
# One structured line per action carried out (LOG_FORMAT=json makes it a JSON line for log shippers).
action_log = structlog.get_logger("partitions.actions")

SUCCESS, FAILED, PLANNED = "success", "failed", "planned"


class PartitionChangedError(RuntimeError):
    """The partition is no longer what the plan saw: nothing is dropped on a stale plan."""


@dataclass
class ActionResult:
    """What happened to one planned action (or to a retention sweep: `action` is then a Release)."""

    action: Action
    result: str
    sqlstate: str | None = None
    message: str | None = None
    moved_rows: int | None = None
    removed_rows: int | None = None  # EXPIRE: rows deleted from DEFAULT
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
            "removed_rows": self.removed_rows,
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
    # A drain moved DEFAULT's rows into a table of their own (partitions/drain.py): it becomes the month.
    if not drain_table_adopt(cursor, entry=entry, action=action):
        standalone_create(cursor, entry=entry, action=action, table=names["partition"])
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
        if action.default_rows or moved or action.start <= timezone.now() < action.end:
            locks.insert(0, sql.LOCK_PARENT_FOR_RESCUE.format(**names))
        # ATTACH needs DEFAULT to itself: taken here, under the short timeout, so that a long reader of
        # DEFAULT cannot keep writers waiting behind the parent's lock.
        lock_briefly(cursor, entry, locks)
        cursor.execute(move, [start, end])
        moved += max(cursor.rowcount, 0)
        cursor.execute(sql.MAINTENANCE_FLAG_OFF)
    # The DEFAULT partition no longer holds rows for the month, so its constraint check passes.
    cursor.execute(sql.ATTACH.format(**names), [start, end])
    cursor.execute(sql.DROP_CHECK.format(**names))
    return moved


def _retention_hooks_run(cursor, entry: PartitionedTable, action: Action) -> list[str]:
    """Lock the partition against writes and call the hooks apps registered for its table.

    Its (late) writers wait from then on, so the hooks' own lock waits are brief too.
    """
    hooks = retention_hooks(entry.table)
    if not hooks:
        return []
    lock_timeout_brief(cursor, entry)
    cursor.execute(sql.LOCK_PARTITION_FOR_HOOKS.format(partition=pgsql.Identifier(action.partition)))
    retiring = retiring_of(action)
    cursor.execute(sql.MAINTENANCE_FLAG_ON)  # hooks may change rows the write-once triggers guard
    notes = notes_flatten([hook(cursor, retiring) for hook in hooks])
    cursor.execute(sql.MAINTENANCE_FLAG_OFF)
    lock_timeout_restore(cursor, entry)
    return notes


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
    lock_briefly(cursor, entry, [sql.LOCK_PARENT_FOR_DETACH.format(**names)])
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
            drained = 0
            if action.action == CREATE:
                # Many rows waiting in DEFAULT: moved first, in committed batches, outside this transaction.
                drained = drain_before_create(
                    entry=entry, action=action, columns=columns, default=default, run_id=run_id
                )
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql.LOCK_TIMEOUT, [lock_timeout_setting(entry.lock_timeout)])
                if action.action == CREATE:
                    outcome.moved_rows = drained + _create(cursor, entry, action, columns, default)
                elif action.action == EXPIRE:
                    outcome.removed_rows, outcome.notes = default_rows_expire(
                        cursor, entry, action, default, columns
                    )
                else:
                    outcome.notes = _retire(cursor, entry, action)
                # Written last, in the same transaction (after ATTACH: the row lands in a real partition).
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
                        "removed_rows": outcome.removed_rows,
                        "notes": outcome.notes,
                        "run": run_id,
                    },
                )
        except (
            PartitionChangedError,
            RetentionHookError,
            NoDefaultPartitionError,
            DrainTableForeignError,
        ) as exc:
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
        removed_rows=outcome.removed_rows,
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
