"""Expiring DEFAULT's rows past retention: the EXPIRE action, carried out in the executor's transaction.

Rows dated in a period past retention that wait in the DEFAULT partition (no partition ever held them) leave
by an EXPIRE action, after the table's retention hooks have seen them (legal holds copy theirs, the audit log
records its chain). With PARTITION_RETENTION_MODE=drop they are deleted; with detach nothing is deleted for
good: they move to the archive table a detached month of that period gets, `archive.<table>_YYYY_MM`, created
like the parent when no month of that period was ever detached.
"""

from psycopg import sql as pgsql

from partitions import sql
from partitions.hooks import notes_flatten, retention_hooks, retiring_of
from partitions.locking import lock_timeout_brief, lock_timeout_restore
from partitions.planner import DETACH, Action, Child, PartitionedTable
from partitions.registry import ARCHIVE_SCHEMA

# DEFAULT takes the inserts of every period without a partition (stray, far-future, late): SHARE holds off
# only those, not the writers of any month, and only for this short transaction; without it, a row of the
# period arriving between the hooks' copy and the DELETE would be deleted without the hooks having seen it.
LOCK_DEFAULT_FOR_EXPIRY = pgsql.SQL("LOCK TABLE ONLY {default} IN SHARE MODE")

# ONLY: the DEFAULT partition itself, never a month of the parent.
EXPIRE_DEFAULT_ROWS = pgsql.SQL(
    "DELETE FROM ONLY {default} WHERE {column} >= %s::timestamptz AND {column} < %s::timestamptz"
)

# The table a detached month of the period would be in the archive; made like the parent if none was.
CREATE_ARCHIVE_TABLE = pgsql.SQL(
    "CREATE TABLE IF NOT EXISTS {archive} (LIKE {parent} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
    "INCLUDING INDEXES INCLUDING STORAGE INCLUDING COMMENTS)"
)
ARCHIVE_DEFAULT_ROWS = pgsql.SQL(
    "WITH moved AS (DELETE FROM ONLY {default} "
    "WHERE {column} >= %s::timestamptz AND {column} < %s::timestamptz RETURNING {columns}) "
    "INSERT INTO {archive} ({columns}) SELECT {columns} FROM moved"
)


class NoDefaultPartitionError(RuntimeError):
    """An expire was planned for a table that no longer has a DEFAULT partition: nothing to expire."""


def default_rows_expire(
    cursor, entry: PartitionedTable, action: Action, default: Child | None, columns: list[str]
) -> tuple[int, list[str]]:
    """Take DEFAULT's rows in the action's [start, end) out after the hooks saw them; return (rows, notes).

    Runs in the executor's transaction for the action: the hooks' copies and the DELETE commit together.
    Once DEFAULT is locked, its writers wait for this transaction: the hooks' own lock waits are brief too
    (a lock they cannot get soon fails the attempt, which is retried with backoff).
    """
    if default is None:
        raise NoDefaultPartitionError(f"{entry.table} has no DEFAULT partition; nothing to expire")
    names = {
        "default": pgsql.Identifier(default.schema, default.relname),
        "column": pgsql.Identifier(entry.column),
    }
    lock_timeout_brief(cursor, entry)
    cursor.execute(LOCK_DEFAULT_FOR_EXPIRY.format(**names))
    retiring = retiring_of(action, partition=default.relname, schema=default.schema)
    # The write-once triggers let the owner change rows only with the flag on: the hooks' copies, the DELETE.
    cursor.execute(sql.MAINTENANCE_FLAG_ON)
    notes = notes_flatten([hook(cursor, retiring) for hook in retention_hooks(entry.table)])
    lock_timeout_restore(cursor, entry)
    if entry.retention_mode == DETACH:
        archive = pgsql.Identifier(ARCHIVE_SCHEMA, entry.partition_name(action.period))
        cursor.execute(sql.CREATE_ARCHIVE_SCHEMA.format(schema=pgsql.Identifier(ARCHIVE_SCHEMA)))
        cursor.execute(CREATE_ARCHIVE_TABLE.format(archive=archive, parent=pgsql.Identifier(entry.table)))
        listed = pgsql.SQL(", ").join(pgsql.Identifier(column) for column in columns)
        cursor.execute(
            ARCHIVE_DEFAULT_ROWS.format(archive=archive, columns=listed, **names), [action.start, action.end]
        )
        removed = max(cursor.rowcount, 0)
        if removed:
            notes.append(f"{_rows(removed)} moved to {ARCHIVE_SCHEMA}.{entry.partition_name(action.period)}")
    else:
        cursor.execute(EXPIRE_DEFAULT_ROWS.format(**names), [action.start, action.end])
        removed = max(cursor.rowcount, 0)
    cursor.execute(sql.MAINTENANCE_FLAG_OFF)
    return removed, notes


def _rows(count: int) -> str:
    return f"{count} row{'' if count == 1 else 's'}"
