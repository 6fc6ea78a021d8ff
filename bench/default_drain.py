"""A month of millions of rows waiting in DEFAULT, drained in batches by the engine under a concurrent writer.

On the durable private server (bench/durable.py), so that WAL bytes are the drain's own and commits are
flushed as in production. The month is the first one past the premade months: its partition does not exist,
so its rows land in DEFAULT, and the engine's run creates it, draining DEFAULT first (partitions/drain.py).
"""

import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
from psycopg import sql as pgsql

from bench import sql
from bench.retention import wal_bytes_since, wal_position
from bench.rotation import with_writer
from bench.seed import (
    EVENTS,
    PREMAKE_MONTHS,
    SEED_WORKERS,
    SeedPlan,
    event_indexes_create,
    event_indexes_drop,
    events_insert_month,
    tables_settle,
)
from bench.timing import percentile
from partitions.planner import month_start, partition_name


def _engine_wired() -> bool:
    """Tell whether the executor drains before it creates (the call in partitions/executor.py)."""
    from partitions import executor

    return hasattr(executor, "drain_before_create")


def _engine_create(month: int) -> dict:
    from partitions.services import partitions_apply

    run = partitions_apply(trigger="cli", table="events")
    actions = [
        {k: a.get(k) for k in ("action", "partition", "result", "error", "moved_rows", "seconds")}
        for a in run.actions
    ]
    if run.status != "success" or partition_name(EVENTS, month) not in [a["partition"] for a in actions]:
        raise RuntimeError(f"the engine did not create the month: {run.status} {actions}")
    return {"path": "engine", "status": run.status, "actions": actions, "progress": run.progress}


def _module_create(month: int) -> dict:
    """Until the executor calls the drain: drain, then adopt and attach as the create action will."""
    from django.db import connection, transaction
    from django.utils import timezone

    from partitions import sql as engine_sql
    from partitions.catalog import catalog_read
    from partitions.drain import drain_before_create, drain_table_adopt
    from partitions.executor import insertable_columns
    from partitions.planner import plan_table
    from partitions.registry import registry_entries

    entry = registry_entries(table=EVENTS)[0]
    snapshot = catalog_read([entry])[EVENTS]
    now = timezone.now()
    [action] = [a for a in plan_table(entry, snapshot, now=now, wall_now=now).actions if a.period == month]
    columns = insertable_columns(EVENTS)
    moved = drain_before_create(entry=entry, action=action, columns=columns, default=snapshot.default)
    names = {
        "parent": pgsql.Identifier(EVENTS),
        "partition": pgsql.Identifier(action.partition),
        "check": pgsql.Identifier(f"{action.partition}_bounds"),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        if not drain_table_adopt(cursor, entry=entry, action=action):
            raise RuntimeError("no drain table to adopt")
        cursor.execute(engine_sql.ATTACH.format(**names), [action.start, action.end])
        cursor.execute(engine_sql.DROP_CHECK.format(**names))
    return {
        "path": "partitions.drain, then adopt and attach (the executor does not call the drain yet)",
        "moved_rows": moved,
    }


def drain_measure(conninfo: dict, plan: SeedPlan, rows: int) -> dict:
    """Load `rows` rows of one month into DEFAULT, then time the engine's run that drains and attaches it."""
    month = plan.current_month + PREMAKE_MONTHS + 1
    start, end = month_start(month), month_start(month + 1)
    event_indexes_drop(conninfo)
    loaded_at = time.monotonic()
    shares = [rows // SEED_WORKERS + (1 if i < rows % SEED_WORKERS else 0) for i in range(SEED_WORKERS)]
    with ThreadPoolExecutor(SEED_WORKERS) as pool:
        for future in [pool.submit(events_insert_month, conninfo, plan, month, n) for n in shares]:
            future.result()
    event_indexes_create(conninfo)
    tables_settle(conninfo, ["events_default"])
    load_seconds = time.monotonic() - loaded_at
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        waiting = conn.execute(sql.DEFAULT_ROWS_BETWEEN, (start, end)).fetchone()[0]

    before = wal_position(conninfo, checkpoint=True)
    create = _engine_create if _engine_wired() else _module_create
    measured = with_writer(conninfo, lambda: create(month))
    wal = wal_bytes_since(conninfo, before)
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        in_partition = conn.execute(
            pgsql.SQL(sql.PARTITION_ROWS).format(pgsql.Identifier(partition_name(EVENTS, month)))
        ).fetchone()[0]
        left_in_default = conn.execute(sql.DEFAULT_ROWS_BETWEEN, (start, end)).fetchone()[0]
    during = measured["during"]
    return {
        "rows_loaded": rows,
        "rows_waiting_in_default": waiting,
        "load_seconds": round(load_seconds, 1),
        "seconds": measured["seconds"],
        "wal_bytes": wal,
        "rows_in_partition": in_partition,
        "rows_left_in_default": left_in_default,
        "rows_missing": waiting - in_partition - left_in_default,
        "insert_p99_ms_baseline": percentile(measured["baseline"], 0.99),
        "insert_p99_ms_during": percentile(during, 0.99),
        "insert_max_ms_during": max(during) if during else None,
        "inserts_during": len(during),
        "failed_inserts": measured["failed_inserts"],
        "outcome": measured["outcome"],
    }
