"""Entry point of `make bench`: seed two private databases, measure side by side, write results.json.

BENCH_EVENTS sets the size (default 10,000,000), BENCH_REPETITIONS the timed requests per figure (20),
BENCH_KEEP=1 keeps the databases afterwards for inspection. The figures themselves are taken in
bench/page_figures.py and bench/engine_figures.py; this module seeds, orders them and writes the results.
"""

import os
import sys
import time

from bench.harness import BenchRun, Figures, commit, environment, machine, say


def databases_seed(bench: BenchRun) -> None:
    """Recreate, migrate and seed the large and the small database; log a superuser in to each."""
    from django.test import Client

    from bench import seed
    from bench.database import LARGE_DATABASE, SMALL_DATABASE, conninfo, database_recreate, django_use

    for name, plan in ((LARGE_DATABASE, bench.large), (SMALL_DATABASE, bench.small)):
        say(f"{name}: {plan.events:,} events, {plan.watchlists:,} watchlists")
        database_recreate(name)
        django_use(name)
        info = conninfo(name)
        seed.schema_migrate()
        user = seed.bench_user()
        bench.meta.setdefault("partitions_made_by", {})[name] = seed.partitions_create(plan, info)
        timings = seed.events_seed(plan, info)
        seed.watchlists_seed(plan, info, user.pk)
        timings["settle_s"] = seed.database_settle(info)
        bench.meta.setdefault("seed_seconds", {})[name] = {k: round(v, 1) for k, v in timings.items()}
        say(f"{name}: seeded {timings}")
        client = Client()
        client.force_login(user)
        bench.clients[name] = client


def alerts_page(bench: BenchRun) -> None:
    """The alerts page's query count with 10 and with 100,000 hits in the large database (bench/alerts.py)."""
    from bench import alerts
    from bench.database import LARGE_DATABASE, django_use

    django_use(LARGE_DATABASE)
    counts = bench.figures.measure(
        ["alerts_page_queries_small", "alerts_page_queries_large"],
        "alerts page, 10 and 100,000 hits",
        lambda: alerts.alerts_page_queries(bench.clients[LARGE_DATABASE]),
    )
    if counts:
        bench.figures.results.update(counts)


def main() -> int:
    environment()
    import django

    django.setup()
    import logging

    logging.getLogger("partitions").setLevel(logging.WARNING)  # one line per DDL would bury the table
    from django.conf import settings
    from django.utils import timezone

    from bench import engine_figures, page_figures, report, seed
    from bench.database import LARGE_DATABASE, SMALL_DATABASE, BenchServer, database_drop, server_version

    # The test client's host; not setup_test_environment(), whose template instrumentation would be timed too.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    events = int(os.environ.get("BENCH_EVENTS", "10000000"))
    now = timezone.now()
    bench = BenchRun(
        now=now,
        repetitions=int(os.environ.get("BENCH_REPETITIONS", "20")),
        large=seed.SeedPlan(now=now, events=events, watchlists=10_000, entries_per_list=20),
        small=seed.SeedPlan(now=now, events=events // 100, watchlists=10, entries_per_list=20),
        figures=Figures(),
    )
    started = time.monotonic()
    bench.meta.update(
        date=now.isoformat(timespec="seconds"),
        load_average_at_start=os.getloadavg(),
        commit=commit(),
        machine=machine(),
        events=events,
        events_small=bench.small.events,
        watchlists=bench.large.watchlists,
        watchlist_entries=bench.large.watchlists * bench.large.entries_per_list,
        repetitions=bench.repetitions,
    )
    with BenchServer():
        databases_seed(bench)
        bench.meta["postgresql"] = server_version()
        bench.meta["server"] = (
            "DATABASE_URL's server"
            if os.environ.get("DATABASE_URL")
            else "embedded server: fsync, synchronous_commit and full_page_writes off"
        ) + "; the retention and drain figures on a private server with all three on"
        page_figures.status_page(bench)
        page_figures.watchlists_small(bench)
        page_figures.plate_lookups(bench)
        page_figures.events_deep_page(bench)
        page_figures.watchlists_large(bench)
        alerts_page(bench)
        engine_figures.retention_fsync_off(bench)
        engine_figures.rotations(bench)
        engine_figures.on_durable_server(bench)
        bench.meta["seconds_total"] = round(time.monotonic() - started, 1)
        bench.meta["load_average_at_end"] = os.getloadavg()
        if os.environ.get("BENCH_KEEP") != "1":
            from django.db import connections

            connections.close_all()
            database_drop(LARGE_DATABASE)
            database_drop(SMALL_DATABASE)

    figures = bench.figures
    ordered = {key: figures.results.get(key) for key, *_rest in report.TARGETS}
    output = {
        **ordered,
        "verdicts": report.verdicts(ordered),
        "null_reasons": figures.null_reasons,
        "meta": bench.meta,
        "details": figures.details,
    }
    path = report.results_write(output)
    print()
    print(report.table_markdown(ordered))
    print()
    for key, reason in figures.null_reasons.items():
        print(f"null {key}: {reason}")
    meta = bench.meta
    print(f"\nmachine: {meta['machine']}, PostgreSQL {meta['postgresql']}, {events:,} events; wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
