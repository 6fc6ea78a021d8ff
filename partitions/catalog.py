"""Read the partition catalog (pg_inherits + relpartbound, in UTC) into snapshots the planner can use."""

import re
from collections.abc import Sequence

from django.db import connections, transaction
from psycopg import sql as pgsql

from core.replica import read_alias
from partitions import sql
from partitions.planner import (
    DAY,
    CatalogSnapshot,
    Child,
    PartitionedTable,
    drain_period,
    managed_period,
    parse_bound,
)
from partitions.planner.bounds import DRAIN_SUFFIX


def lock_timeout_setting(seconds: float) -> str:
    """Return a lock timeout in seconds as a `lock_timeout` setting (whole milliseconds, at least 1)."""
    return f"{max(1, round(seconds * 1000))}ms"


def _child(
    entry: PartitionedTable, name: str, schema: str, foreign_schema: bool, bound: str, reltuples, size
) -> Child:
    is_default = bound.strip() == "DEFAULT"
    bounds = None if is_default else parse_bound(bound)
    period = None
    if bounds is not None and not foreign_schema:
        period = managed_period(entry.interval, entry.table, name, *bounds)
    return Child(
        name=f"{schema}.{name}" if foreign_schema else name,
        relname=name,
        schema=schema,
        bound=bound,
        bounds=bounds,
        is_default=is_default,
        period=period,
        # reltuples is -1 until the first VACUUM or ANALYZE: unknown, never zero.
        estimated_rows=None if reltuples is None or reltuples < 0 else int(reltuples),
        total_bytes=int(size or 0),
    )


def _suffix(entry: PartitionedTable) -> str:
    return r"_[0-9]{4}_[0-9]{2}_[0-9]{2}" if entry.interval == DAY else r"_[0-9]{4}_[0-9]{2}"


def _lookalike_pattern(entries: Sequence[PartitionedTable]) -> str:
    """Return one regular expression for every name shaped like a registered table's partition."""
    return "^(" + "|".join(f"{entry.table}{_suffix(entry)}" for entry in entries) + ")$"


def _named_like(entry: PartitionedTable, name: str) -> bool:
    """Tell whether a relation name is shaped like one of this table's partitions (not another table's)."""
    return re.fullmatch(f"{entry.table}{_suffix(entry)}", name) is not None


def catalog_read(entries: Sequence[PartitionedTable]) -> dict[str, CatalogSnapshot]:
    """Read every registered parent's children in a fixed number of queries, whatever their count."""
    if not entries:
        return {}
    tables = [entry.table for entry in entries]
    by_table = {entry.table: entry for entry in entries}
    lock_timeout = lock_timeout_setting(min(entry.lock_timeout for entry in entries))
    found: dict[str, dict] = {
        table: {"exists": False, "partitioned": False, "children": []} for table in tables
    }
    # On the status page, from the replica (core/replica.py); for maintenance, always the primary.
    alias = read_alias()
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        # SET LOCAL: bounds print at +00 whatever the database or session time zone; the setting ends with
        # this transaction. The lock timeout keeps a reader from queueing behind DDL forever.
        cursor.execute(sql.SESSION_UTC, [lock_timeout])
        cursor.execute(sql.CHILDREN, [tables])
        for table, exists, partitioned, name, schema, foreign, bound, reltuples, size in cursor.fetchall():
            found[table]["exists"] = exists
            found[table]["partitioned"] = partitioned
            if name is not None:
                found[table]["children"].append(
                    _child(by_table[table], name, schema, foreign, bound, reltuples, size)
                )

        cursor.execute(sql.LOOKALIKES, [f"%{DRAIN_SUFFIX}", _lookalike_pattern(entries)])
        names, drains = set(), {table: {} for table in tables}
        for relname, marker in cursor.fetchall():
            names.add(relname)
            # A drain table left behind: its period is wanted even when DEFAULT holds nothing for it.
            for entry in entries:
                period = drain_period(entry.interval, entry.table, relname, marker)
                if period is not None:
                    drains[entry.table][period] = relname

        selects, params = [], []
        for table in tables:
            default = next((child for child in found[table]["children"] if child.is_default), None)
            if default is not None:
                by_period = (
                    sql.DEFAULT_ROWS_BY_DAY if by_table[table].interval == DAY else sql.DEFAULT_ROWS_BY_MONTH
                )
                selects.append(
                    by_period.format(
                        column=pgsql.Identifier(by_table[table].column),
                        default=pgsql.Identifier(default.schema, default.relname),
                    )
                )
                params.append(table)
        default_rows: dict[str, dict[int, int]] = {table: {} for table in tables}
        unbounded: dict[str, int] = dict.fromkeys(tables, 0)
        if selects:
            cursor.execute(pgsql.SQL(" UNION ALL ").join(selects), params)
            for table, period, rows in cursor.fetchall():
                if period is None:
                    unbounded[table] += int(rows)
                else:
                    default_rows[table][int(period)] = int(rows)

    snapshots = {}
    for table in tables:
        children = tuple(found[table]["children"])
        child_names = {child.name for child in children}
        snapshots[table] = CatalogSnapshot(
            table=table,
            interval=by_table[table].interval,
            exists=found[table]["exists"],
            partitioned=found[table]["partitioned"],
            children=children,
            default_rows=default_rows[table],
            default_rows_unbounded=unbounded[table],
            drain_tables=drains[table],
            lookalikes=frozenset(
                name for name in names if _named_like(by_table[table], name) and name not in child_names
            ),
        )
    return snapshots
