"""Figures of the maintenance engine: retiring a month (against DELETE), rotating under a writer, and
draining a month of millions of rows out of DEFAULT."""

import os

import psycopg
from psycopg import sql as pgsql

from bench import retention, rotation, seed, sql
from bench.database import LARGE_DATABASE, conninfo, django_server, django_use
from bench.default_drain import drain_measure
from bench.durable import DurableServer
from bench.harness import BenchRun, rounded, say

DURABLE_DATABASE = "chaverim_bench_durable"


def retention_fsync_off(bench: BenchRun) -> None:
    """The earlier comparison, kept in the details: a month of the seed's size on the development server."""
    figures, info = bench.figures, conninfo(LARGE_DATABASE)
    django_use(LARGE_DATABASE)
    month_rows = bench.large.rows_by_month()[bench.large.first_month]
    noop = figures.measure(
        ["retention_engine_noop_ms"], "engine run with nothing to do", retention.engine_noop_ms, detail=True
    )
    figures.details["retention_engine_noop_ms"] = rounded(noop)
    compared = figures.measure(
        ["retention_fsync_off"],
        f"retention: one month of {month_rows:,} rows, DELETE vs the engine, fsync off",
        lambda: retention.retention_compare(info, bench.large, month_rows),
        detail=True,
    )
    if compared:
        figures.details["retention_fsync_off"] = compared


def rotations(bench: BenchRun) -> None:
    figures, info, large = bench.figures, conninfo(LARGE_DATABASE), bench.large
    django_use(LARGE_DATABASE)
    keys = [
        "rotation_insert_p99_ms_baseline",
        "rotation_insert_p99_ms_during",
        "rotation_failed_inserts",
        "rotation_seconds",
    ]
    repeat = int(os.environ.get("BENCH_ROTATIONS", "5"))
    reader = float(os.environ.get("BENCH_READER_SECONDS", "3"))
    engine = figures.measure(
        keys,
        f"rotation by the engine x{repeat}, concurrent writer",
        lambda: rotation.rotation_measure(info, large, naive=False, repetitions=repeat),
    )
    if engine:
        figures.details["rotation_engine"] = engine
        figures.results["rotation_insert_p99_ms_baseline"] = rounded(engine["insert_p99_ms_baseline"])
        figures.results["rotation_insert_p99_ms_during"] = rounded(engine["insert_p99_ms_during"])
        figures.results["rotation_failed_inserts"] = engine["failed_inserts"]
        figures.results["rotation_seconds"] = rounded(engine["seconds_p50"])
    scenarios = (
        # key, naive, label, repetitions, reader seconds, retire only
        ("rotation_naive", True, f"naive rotation x{repeat}, concurrent writer", repeat, None, False),
        (
            "rotation_naive_long_reader",
            True,
            f"naive rotation behind a {reader:g} s reader",
            1,
            reader,
            False,
        ),
        (
            "rotation_engine_long_reader",
            False,
            f"engine rotation behind a {reader:g} s reader",
            1,
            reader,
            False,
        ),
        (
            "rotation_engine_retire_only_long_reader",
            False,
            f"engine retiring 5 months behind a {reader:g} s reader",
            1,
            reader,
            True,
        ),
    )
    for key, naive, label, times, hold, retire_only in scenarios:
        measured = figures.measure(
            [key],
            label,
            lambda naive=naive, times=times, hold=hold, retire_only=retire_only: rotation.rotation_measure(
                info, large, naive=naive, repetitions=times, reader_seconds=hold, retire_only=retire_only
            ),
            detail=True,
        )
        if measured:
            figures.details[key] = measured


def _durable_database(server: DurableServer, bench: BenchRun) -> dict:
    """Create, migrate and give months and collectors to the durable server's database."""
    info = server.conninfo(DURABLE_DATABASE)
    with psycopg.connect(**server.conninfo("postgres"), autocommit=True) as admin:
        admin.execute(pgsql.SQL(sql.DATABASE_CREATE).format(pgsql.Identifier(DURABLE_DATABASE)))
    seed.schema_migrate()
    seed.partitions_create(bench.large, info)
    seed.collectors_seed(info)
    return info


def on_durable_server(bench: BenchRun) -> None:
    """Retire a realistic month against DELETE, and drain a month from DEFAULT, with fsync on."""
    figures = bench.figures
    retire_rows = int(os.environ.get("BENCH_RETIRE_MONTH_ROWS", "2000000"))
    drain_rows = int(os.environ.get("BENCH_DRAIN_ROWS", "10000000"))
    retention_keys = ["retention_drop_vs_delete_speedup", "retention_drop_vs_delete_wal_ratio"]
    drain_keys = ["drain_seconds", "drain_insert_p99_ms_during", "drain_insert_max_ms_during",
                  "drain_wal_bytes", "drain_rows_missing"]  # fmt: skip
    with DurableServer() as server:
        say(f"durable private server in {server.data_dir}")
        with django_server(host=str(server.socket_dir), user=server.user, database=DURABLE_DATABASE):
            info = figures.measure(
                retention_keys + drain_keys, "durable server: migrate, months, collectors",
                lambda: _durable_database(server, bench),
            )  # fmt: skip
            if info is None:
                return
            retired = figures.measure(
                retention_keys,
                f"retention: one month of {retire_rows:,} rows, DELETE vs the engine, fsync on",
                lambda: retention.retention_durable(info, bench.large, retire_rows),
            )
            if retired:
                figures.details["retention"] = retired
                figures.results["retention_drop_vs_delete_speedup"] = rounded(
                    retired["speedup_vs_engine_run"]
                )
                figures.results["retention_drop_vs_delete_wal_ratio"] = rounded(
                    retired["wal_ratio_vs_engine_run"]
                )
            if drain_rows <= 0:
                return
            drained = figures.measure(
                drain_keys,
                f"DEFAULT drain: one month of {drain_rows:,} rows, concurrent writer, fsync on",
                lambda: drain_measure(info, bench.large, drain_rows),
            )
            if drained:
                figures.details["drain"] = drained
                figures.results["drain_seconds"] = rounded(drained["seconds"])
                figures.results["drain_insert_p99_ms_during"] = rounded(drained["insert_p99_ms_during"])
                figures.results["drain_insert_max_ms_during"] = rounded(drained["insert_max_ms_during"])
                figures.results["drain_wal_bytes"] = drained["wal_bytes"]
                figures.results["drain_rows_missing"] = drained["rows_missing"]
    django_use(LARGE_DATABASE)
