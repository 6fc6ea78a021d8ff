"""What the audit log's hash chain costs: per INSERT, per events search request, and to verify.

Run alone: `python -m bench.audit` (not part of `make bench`). It makes its own database,
`chaverim_bench_audit`, on the embedded server (or DATABASE_URL's), migrates it, seeds events, measures,
prints the figures and writes bench/results_audit.json; the database is dropped after unless BENCH_KEEP=1.

"Without the chain" is the same statement on the same table in a session with `session_replication_role =
replica`, in which the chain trigger does not fire; the chain columns' NOT NULL is dropped in this private
database for that (after the verification figure is taken). The two sides alternate in blocks, so load from
other processes hits both alike.
"""

import datetime as dt
import json
import os
import statistics
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from bench.harness import environment, say

RESULTS_PATH = Path(__file__).resolve().parent / "results_audit.json"
DATABASE = "chaverim_bench_audit"
BLOCK = 250  # inserts per block before switching sides
WRITERS = 4
SEARCH_PURPOSE = "Benchmark: cost of the access log"
DROP_CHAIN_NOT_NULL = (
    "ALTER TABLE audit_log ALTER COLUMN chain_position DROP NOT NULL, "
    "ALTER COLUMN prev_hash DROP NOT NULL, ALTER COLUMN row_hash DROP NOT NULL"
)
# Audit rows already there, as after some months of use: the chain's index is not empty.
PREFILL = """
    INSERT INTO audit_log (occurred_at, actor_id, action, object_type, object_id, details)
    SELECT now() - make_interval(secs => n), NULL, 'events.search', 'events', 'P' || (n %% 5000),
           jsonb_build_object('purpose', 'prefill', 'rows', n %% 50, 'page', 'first')
      FROM generate_series(1, %s) AS n
"""


def _say(message: str) -> None:
    say(message, name="bench.audit")


def _us(samples: list[float], fraction: float) -> float:
    from bench.timing import percentile

    return round(percentile(samples, fraction) * 1e6, 1)


def _insert_params(n: int):
    from psycopg.types.json import Jsonb

    details = {
        "username": "bench",
        "address": "192.0.2.1",
        "plate": f"QX{n % 10000:04d}A",
        "plate_match": "exact",
        "collector": None,
        "from": "2026-11-21T00:00:00+00:00",
        "to": "2026-11-28T00:00:00+00:00",
        "purpose": SEARCH_PURPOSE,
        "case_number": None,
        "page": "first",
        "rows": 50,
    }
    return [None, "events.search", "events", details["plate"], Jsonb(details)]


def insert_latencies(info: dict, *, inserts: int) -> dict[str, list[float]]:
    """Time single-row autocommit INSERTs (the app's own statement), with and without the chain trigger."""
    import psycopg

    from core import sql

    samples = {"chain": [], "plain": []}
    with (
        psycopg.connect(**info, autocommit=True) as chained,
        psycopg.connect(**info, autocommit=True) as plain,
    ):
        plain.execute("SET session_replication_role = replica")
        for conn in (chained, plain):  # warm-up: plans prepared, caches loaded
            for n in range(50):
                conn.execute(sql.AUDIT_LOG_INSERT, _insert_params(n), prepare=True)
        n = 0
        while len(samples["chain"]) < inserts:
            for side, conn in (("chain", chained), ("plain", plain)):
                for _ in range(BLOCK):
                    n += 1
                    params = _insert_params(n)
                    started = time.perf_counter()
                    conn.execute(sql.AUDIT_LOG_INSERT, params, prepare=True)
                    samples[side].append(time.perf_counter() - started)
    return samples


def writers_throughput(info: dict, *, replica: bool, per_writer: int) -> float:
    """Return INSERTs per second with WRITERS concurrent autocommit writers (the chain serializes them)."""
    import psycopg

    from core import sql

    barrier = threading.Barrier(WRITERS + 1)
    errors: list[BaseException] = []

    def write():
        try:
            with psycopg.connect(**info, autocommit=True) as conn:
                if replica:
                    conn.execute("SET session_replication_role = replica")
                barrier.wait()
                for n in range(per_writer):
                    conn.execute(sql.AUDIT_LOG_INSERT, _insert_params(n), prepare=True)
        except BaseException as exc:  # reported after the join
            errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return WRITERS * per_writer / elapsed


def search_latencies(client, url: str, *, repetitions: int) -> dict[str, list[float]]:
    """Time GET of an events search (recorded in the access log), with and without the chain trigger."""
    from django.db import connection

    from bench.timing import get_ok

    samples = {"chain": [], "plain": []}
    block = max(1, repetitions // 5)
    for _ in range(3):
        get_ok(client, url)
    while len(samples["chain"]) < repetitions:
        for side, role in (("chain", "origin"), ("plain", "replica")):
            with connection.cursor() as cursor:
                cursor.execute(f"SET session_replication_role = {role}")
            get_ok(client, url)  # one untimed request after each switch
            for _ in range(block):
                started = time.perf_counter()
                get_ok(client, url)
                samples[side].append(time.perf_counter() - started)
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = origin")
    return samples


def main() -> int:
    environment()
    import django

    django.setup()
    import logging

    logging.getLogger("partitions").setLevel(logging.WARNING)
    import psycopg
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from bench import seed
    from bench.database import (
        BenchServer,
        conninfo,
        database_drop,
        database_recreate,
        django_use,
        server_version,
    )
    from core.audit_chain import audit_chain_walk

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    inserts = int(os.environ.get("BENCH_AUDIT_INSERTS", "4000"))
    prefill = int(os.environ.get("BENCH_AUDIT_ROWS", "200000"))
    events = int(os.environ.get("BENCH_AUDIT_EVENTS", "200000"))
    repetitions = int(os.environ.get("BENCH_REPETITIONS", "100"))
    now = timezone.now()
    results: dict = {}
    meta = {
        "date": now.isoformat(timespec="seconds"),
        "load_average_at_start": os.getloadavg(),
        "inserts_per_side": inserts,
        "audit_rows_before": prefill,
        "events": events,
        "search_repetitions_per_side": repetitions,
        "writers": WRITERS,
    }
    started = time.monotonic()
    with BenchServer():
        database_recreate(DATABASE)
        try:
            django_use(DATABASE)
            info = conninfo(DATABASE)
            _say(f"{DATABASE}: migrate, partitions, {events:,} events")
            seed.schema_migrate()
            user = seed.bench_user()
            plan = seed.SeedPlan(now=now, events=events, watchlists=100, entries_per_list=20)
            seed.partitions_create(plan, info)
            seed.events_seed(plan, info)
            seed.watchlists_seed(plan, info, user.pk)
            plate, sightings = seed.plate_at_rank(info, 100)

            _say(f"prefill {prefill:,} audit rows through the trigger")
            with psycopg.connect(**info, autocommit=True) as conn:
                began = time.perf_counter()
                conn.execute(PREFILL, [prefill])
                results["audit_bulk_insert_rows_per_s_chain"] = round(prefill / (time.perf_counter() - began))
            seed.database_settle(info)

            _say("audit verify over every row")
            began = time.perf_counter()
            report = audit_chain_walk()
            seconds = time.perf_counter() - began
            if not report.ok:
                raise RuntimeError(f"the chain does not verify: {report.problem.message}")
            results["audit_verify_rows_per_s"] = round(report.rows / seconds)
            meta["audit_verify_rows"] = report.rows

            with psycopg.connect(**info, autocommit=True) as conn:
                conn.execute(DROP_CHAIN_NOT_NULL)
            _say(f"single INSERTs: {inserts:,} with the chain, {inserts:,} without, in blocks of {BLOCK}")
            samples = insert_latencies(info, inserts=inserts)
            for side in ("chain", "plain"):
                results[f"audit_insert_us_p50_{side}"] = _us(samples[side], 0.50)
                results[f"audit_insert_us_p99_{side}"] = _us(samples[side], 0.99)
            results["audit_insert_chain_cost_us_p50"] = round(
                results["audit_insert_us_p50_chain"] - results["audit_insert_us_p50_plain"], 1
            )
            results["audit_insert_chain_cost_us_p99"] = round(
                results["audit_insert_us_p99_chain"] - results["audit_insert_us_p99_plain"], 1
            )

            _say(f"{WRITERS} concurrent writers, with and without the chain")
            rates = {"chain": [], "plain": []}
            for _ in range(2):
                rates["chain"].append(writers_throughput(info, replica=False, per_writer=inserts // 4))
                rates["plain"].append(writers_throughput(info, replica=True, per_writer=inserts // 4))
            for side in ("chain", "plain"):
                results[f"audit_insert_rows_per_s_{WRITERS}_writers_{side}"] = round(
                    statistics.median(rates[side])
                )

            _say(f"events search requests ({plate}, seen {sightings} times), {repetitions} per side")
            client = Client()
            client.force_login(user)
            start, end = now - dt.timedelta(days=7), now
            query = {
                "plate": plate,
                "start": start.strftime("%Y-%m-%dT%H:%M:%S"),
                "end": end.strftime("%Y-%m-%dT%H:%M:%S"),
                "purpose": SEARCH_PURPOSE,
            }
            search = search_latencies(client, f"/events/?{urlencode(query)}", repetitions=repetitions)
            for side in ("chain", "plain"):
                results[f"search_request_ms_p50_{side}"] = round(statistics.median(search[side]) * 1000, 3)
            results["search_request_chain_cost_ms_p50"] = round(
                results["search_request_ms_p50_chain"] - results["search_request_ms_p50_plain"], 3
            )
            meta["postgresql"] = server_version()
        finally:
            from django.db import connections

            connections.close_all()
            if os.environ.get("BENCH_KEEP") != "1":
                database_drop(DATABASE)
    meta["seconds"] = round(time.monotonic() - started, 1)
    RESULTS_PATH.write_text(json.dumps({"results": results, "meta": meta}, indent=2) + "\n")
    width = max(len(key) for key in results)
    for key, value in results.items():
        print(f"{key:<{width}}  {value:>12,}")
    _say(f"done in {meta['seconds']} s; wrote {RESULTS_PATH.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
