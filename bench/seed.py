"""Seed a private database fast and server-side: partitions first, then events, collectors, watchlists."""

import datetime as dt
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql as pgsql

from bench import sql
from partitions.planner import month_index, month_start, partition_name

BASE_DIR = Path(__file__).resolve().parents[1]
EVENTS = "events"  # the partitioned table the benchmarks seed, rotate and retire
RETENTION_MONTHS = 84
PREMAKE_MONTHS = 3
COLLECTORS = 50
SEED_WORKERS = 2  # the machine the figures are quoted for has two cores


@dataclass(frozen=True)
class SeedPlan:
    """What one database holds: events over [first month, now), partitions up to the premade months."""

    now: dt.datetime
    events: int
    watchlists: int
    entries_per_list: int

    @property
    def current_month(self) -> int:
        return month_index(self.now)

    @property
    def first_month(self) -> int:
        return self.current_month - RETENTION_MONTHS

    @property
    def last_month(self) -> int:
        return self.current_month + PREMAKE_MONTHS

    @property
    def months(self) -> range:
        return range(self.first_month, self.last_month + 1)

    @property
    def plates(self) -> int:
        """Distinct plates in the pool, about eight sightings each on average, coprime with 7919."""
        plates = max(1000, self.events // 8)
        return plates + 1 if plates % 7919 == 0 else plates

    def rows_by_month(self) -> dict[int, int]:
        """Split the events over the months by their share of [first month, now): a steady flow."""
        start = month_start(self.first_month)
        total = (self.now - start).total_seconds()
        rows, assigned = {}, 0
        for index in range(self.first_month, self.current_month + 1):
            end = min(month_start(index + 1), self.now)
            share = (end - month_start(index)).total_seconds() / total
            rows[index] = math.floor(self.events * share)
            assigned += rows[index]
        rows[self.current_month] += self.events - assigned
        return rows


def schema_migrate() -> None:
    """Create the schema with the project's own migrations."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def bench_user():
    """Return the superuser the measured pages are requested as."""
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_superuser": True, "is_staff": True, "email": "bench@example.org"}
    )
    return user


def partition_create_naive(index: int) -> pgsql.Composed:
    """Return CREATE TABLE … PARTITION OF for month `index`: the one-step DDL the engine avoids."""
    return pgsql.SQL(sql.PARTITION_CREATE_NAIVE).format(
        pgsql.Identifier(partition_name(EVENTS, index)),
        pgsql.Literal(month_start(index).isoformat(sep=" ")),
        pgsql.Literal(month_start(index + 1).isoformat(sep=" ")),
    )


def _engine():
    try:
        from partitions import services
    except ImportError:
        return None
    return services if hasattr(services, "partitions_apply") else None


def partitions_create(plan: SeedPlan, conninfo: dict) -> str:
    """Create every month of the plan: with the engine when it is there, plain DDL for what is left."""
    engine = _engine()
    method = "plain DDL"
    if engine is not None:
        # The engine makes the months around `now`: once 84 months back, once today; it fills the gap between.
        engine.partitions_apply(
            trigger="cli", table="events", now=month_start(plan.first_month) + dt.timedelta(hours=1)
        )
        engine.partitions_apply(trigger="cli", table="events", now=plan.now)
        method = "partition engine (partitions_apply)"
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        existing = {row[0] for row in conn.execute(sql.EVENT_CHILDREN)}
        missing = [index for index in plan.months if partition_name(EVENTS, index) not in existing]
        for index in missing:
            conn.execute(
                partition_create_naive(index),
                None,
            )
    if engine is not None and missing:
        method += f" + plain DDL for {len(missing)} months the engine did not make"
    return method


def _insert_month(conninfo: dict, plan: SeedPlan, collector_ids: list, index: int, rows: int) -> None:
    if rows <= 0:
        return
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        conn.execute(
            sql.EVENTS_INSERT,
            {
                "plates": plan.plates,
                "collector_ids": collector_ids,
                "start": month_start(index),
                "span": min(month_start(index + 1), plan.now) - month_start(index),
                "rows": rows,
            },
        )


def events_insert_month(conninfo: dict, plan: SeedPlan, index: int, rows: int) -> None:
    """Insert `rows` events spread over month `index` (whole month), as the seed draws them."""
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        collector_ids = conn.execute(sql.COLLECTOR_IDS).fetchone()[0]
        conn.execute(
            sql.EVENTS_INSERT,
            {
                "plates": plan.plates,
                "collector_ids": collector_ids,
                "start": month_start(index),
                "span": month_start(index + 1) - month_start(index),
                "rows": rows,
            },
        )


def _run(conninfo: dict, statement) -> None:
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '256MB'")
        conn.execute(statement)


def events_seed(plan: SeedPlan, conninfo: dict) -> dict:
    """Bulk-load the events into the parent (rows route to their months), indexes built afterwards."""
    timings = {}
    collector_ids = collectors_seed(conninfo)
    event_indexes_drop(conninfo)
    started = dt.datetime.now(dt.UTC)
    months = sorted(plan.rows_by_month().items(), key=lambda item: -item[1])
    with ThreadPoolExecutor(SEED_WORKERS) as pool:
        for future in [pool.submit(_insert_month, conninfo, plan, collector_ids, i, n) for i, n in months]:
            future.result()
    timings["insert_s"] = (dt.datetime.now(dt.UTC) - started).total_seconds()
    started = dt.datetime.now(dt.UTC)
    event_indexes_create(conninfo)
    timings["index_s"] = (dt.datetime.now(dt.UTC) - started).total_seconds()
    return timings


def collectors_seed(conninfo: dict) -> list:
    """Insert the collectors; return their ids."""
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        conn.execute(sql.COLLECTORS_INSERT, {"collectors": COLLECTORS})
        return conn.execute(sql.COLLECTOR_IDS).fetchone()[0]


def event_indexes_drop(conninfo: dict) -> None:
    """Drop the three secondary indexes before a bulk load: building them once afterwards is several times
    faster than maintaining them row by row; dropped on the parent, they go from every partition with it."""
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        for name, _create in sql.EVENT_INDEXES:
            conn.execute(pgsql.SQL(sql.EVENT_INDEX_DROP).format(pgsql.Identifier(name)))


def event_indexes_create(conninfo: dict) -> None:
    with ThreadPoolExecutor(SEED_WORKERS) as pool:
        for future in [pool.submit(_run, conninfo, create) for _name, create in sql.EVENT_INDEXES]:
            future.result()


def watchlists_seed(plan: SeedPlan, conninfo: dict, user_id) -> None:
    """Insert the watchlists (one in twenty deleted) and their entries, plates drawn from the events' pool."""
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        conn.execute(
            sql.WATCHLISTS_INSERT,
            {"user_id": user_id, "lists": plan.watchlists, "deleted_at": plan.now - dt.timedelta(days=3)},
        )
        conn.execute(
            sql.WATCHLIST_ENTRIES_INSERT,
            {"user_id": user_id, "per_list": plan.entries_per_list, "plates": plan.plates},
        )


def database_settle(conninfo: dict) -> float:
    """VACUUM and ANALYZE everything, so autovacuum stays quiet and plans see real statistics."""
    started = dt.datetime.now(dt.UTC)
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        children = [row[0] for row in conn.execute(sql.EVENT_CHILDREN)]
    with ThreadPoolExecutor(SEED_WORKERS) as pool:
        statements = [
            pgsql.SQL(sql.VACUUM_ANALYZE_TABLE).format(pgsql.Identifier(child)) for child in children
        ]
        for future in [pool.submit(_run, conninfo, statement) for statement in statements]:
            future.result()
    _run(conninfo, "VACUUM (ANALYZE)")
    return (dt.datetime.now(dt.UTC) - started).total_seconds()


def tables_settle(conninfo: dict, tables: list[str]) -> None:
    """VACUUM and ANALYZE the named tables."""
    for table in tables:
        _run(conninfo, pgsql.SQL(sql.VACUUM_ANALYZE_TABLE).format(pgsql.Identifier(table)))


def plate_at_rank(conninfo: dict, rank: int) -> tuple[str, int]:
    """Return the plate that is the rank-th most seen (0 = most) and how often it was seen."""
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        return tuple(conn.execute(sql.PLATE_COUNTS_BY_RANK, {"rank": rank}).fetchone())
