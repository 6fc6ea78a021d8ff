"""Retire one month: the engine's DROP of its partition vs DELETE of an identical month's rows."""

import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
from django.db import connection
from django.test.utils import CaptureQueriesContext
from psycopg import sql as pgsql

from bench import sql
from bench.seed import EVENTS, SeedPlan, events_insert_month, partition_create_naive, tables_settle
from partitions.planner import month_start, partition_name


def _month_create(conninfo: dict, plan: SeedPlan, index: int, rows: int) -> None:
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        conn.execute(
            partition_create_naive(index),
            None,
        )
    events_insert_month(conninfo, plan, index, rows)
    tables_settle(conninfo, [partition_name(EVENTS, index)])


def delete_month(conninfo: dict, plan: SeedPlan, rows: int) -> dict:
    """Time DELETE … WHERE captured_at < … of one expired month (the WORM flag set), then its VACUUM."""
    copy = plan.first_month - 2
    _month_create(conninfo, plan, copy, rows)
    with psycopg.connect(**conninfo) as conn:
        started = time.perf_counter()
        conn.execute(sql.MAINTENANCE_ON)
        deleted = conn.execute(sql.DELETE_BEFORE, (month_start(copy + 1),)).rowcount
        conn.commit()
        delete_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    tables_settle(conninfo, [partition_name(EVENTS, copy)])
    vacuum_ms = (time.perf_counter() - started) * 1000
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        conn.execute(pgsql.SQL(sql.PARTITION_DROP).format(pgsql.Identifier(partition_name(EVENTS, copy))))
    return {"delete_ms": delete_ms, "delete_vacuum_ms": vacuum_ms, "rows_deleted": deleted}


def engine_noop_ms() -> float:
    """Time one engine run of `events` with nothing to do: the fixed cost of a run."""
    from partitions.services import partitions_apply

    started = time.perf_counter()
    partitions_apply(trigger="cli", table="events")
    return (time.perf_counter() - started) * 1000


def engine_retire_month(conninfo: dict, plan: SeedPlan, rows: int) -> dict:
    """Time the engine's run that retires one expired month of `rows` rows (its only action)."""
    from partitions.services import partitions_apply

    expired = plan.first_month - 1
    _month_create(conninfo, plan, expired, rows)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        run = partitions_apply(trigger="cli", table="events")
        engine_ms = (time.perf_counter() - started) * 1000
    slowest = sorted(queries.captured_queries, key=lambda query: -float(query["time"]))[:5]
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        remaining = {row[0] for row in conn.execute(sql.EVENT_CHILDREN)}
    return {
        "engine_ms": engine_ms,
        "engine_status": run.status,
        "engine_actions": [
            {k: a.get(k) for k in ("action", "partition", "result", "error", "seconds")}
            for a in (run.actions or [])
        ],
        "retired": partition_name(EVENTS, expired) not in remaining,
        "engine_queries": len(queries.captured_queries),
        "engine_sql_ms": sum(float(query["time"]) for query in queries.captured_queries) * 1000,
        "engine_slowest_queries": [
            {"ms": float(query["time"]) * 1000, "sql": " ".join(query["sql"].split())[:160]}
            for query in slowest
        ],
    }


def retention_compare(conninfo: dict, plan: SeedPlan, rows: int) -> dict:
    """Retire a month of `rows` rows both ways; return both timings and the speedups."""
    deleted = delete_month(conninfo, plan, rows)
    retired = engine_retire_month(conninfo, plan, rows)
    if not retired["retired"] or retired["engine_status"] != "success":
        raise RuntimeError(f"the engine did not retire the month: {retired['engine_actions']}")
    action_seconds = sum(
        a.get("seconds") or 0 for a in retired["engine_actions"] if a.get("action") == "drop"
    )
    return {
        "rows_per_month": rows,
        **deleted,
        **retired,
        "engine_drop_action_ms": action_seconds * 1000,
        "speedup_vs_engine_run": deleted["delete_ms"] / retired["engine_ms"],
        "speedup_vs_engine_drop_action": deleted["delete_ms"] / (action_seconds * 1000)
        if action_seconds
        else None,
        "speedup_delete_and_vacuum_vs_engine_run": (deleted["delete_ms"] + deleted["delete_vacuum_ms"])
        / retired["engine_ms"],
    }


def wal_position(conninfo: dict, *, checkpoint: bool = False) -> str:
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        if checkpoint:
            conn.execute(sql.CHECKPOINT)
        return conn.execute(sql.WAL_POSITION).fetchone()[0]


def wal_bytes_since(conninfo: dict, position: str) -> int:
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        return int(conn.execute(sql.WAL_BYTES_SINCE, (position,)).fetchone()[0])


def retention_durable(conninfo: dict, plan: SeedPlan, rows: int) -> dict:
    """On a durable private server: DELETE one month of `rows` rows, and let the engine retire an identical
    one; time and WAL bytes of each, both started right after a checkpoint.

    The database is migrated, its months made by the engine and its collectors seeded (bench/durable.py).
    """
    copy, expired = plan.first_month - 2, plan.first_month - 1
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        for index in (copy, expired):
            conn.execute(partition_create_naive(index))
    with ThreadPoolExecutor(2) as pool:
        for future in [pool.submit(events_insert_month, conninfo, plan, i, rows) for i in (copy, expired)]:
            future.result()
    tables_settle(conninfo, [partition_name(EVENTS, copy), partition_name(EVENTS, expired)])

    before = wal_position(conninfo, checkpoint=True)
    with psycopg.connect(**conninfo) as conn:
        started = time.perf_counter()
        conn.execute(sql.MAINTENANCE_ON)
        deleted = conn.execute(sql.DELETE_MONTH, (month_start(copy), month_start(copy + 1))).rowcount
        conn.commit()
        delete_ms = (time.perf_counter() - started) * 1000
    delete_wal = wal_bytes_since(conninfo, before)
    before = wal_position(conninfo)
    started = time.perf_counter()
    tables_settle(conninfo, [partition_name(EVENTS, copy)])
    vacuum_ms, vacuum_wal = (time.perf_counter() - started) * 1000, wal_bytes_since(conninfo, before)
    with psycopg.connect(**conninfo, autocommit=True) as conn:  # so that the engine retires one month only
        conn.execute(pgsql.SQL(sql.PARTITION_DROP).format(pgsql.Identifier(partition_name(EVENTS, copy))))

    from partitions.services import partitions_apply

    before = wal_position(conninfo, checkpoint=True)
    started = time.perf_counter()
    run = partitions_apply(trigger="cli", table="events")
    engine_ms = (time.perf_counter() - started) * 1000
    engine_wal = wal_bytes_since(conninfo, before)
    actions = [
        {k: a.get(k) for k in ("action", "partition", "result", "error", "seconds")} for a in run.actions
    ]
    if run.status != "success" or [a["action"] for a in actions] != ["drop"]:
        raise RuntimeError(f"the engine did not retire exactly the one month: {run.status} {actions}")
    return {
        "rows_per_month": rows,
        "server": "private, fsync, synchronous_commit and full_page_writes on",
        "rows_deleted": deleted,
        "delete_ms": delete_ms,
        "delete_wal_bytes": delete_wal,
        "delete_vacuum_ms": vacuum_ms,
        "delete_vacuum_wal_bytes": vacuum_wal,
        "engine_ms": engine_ms,
        "engine_wal_bytes": engine_wal,
        "engine_actions": actions,
        "speedup_vs_engine_run": delete_ms / engine_ms,
        "wal_ratio_vs_engine_run": delete_wal / engine_wal if engine_wal else None,
    }
