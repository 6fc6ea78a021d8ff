"""Entry point of `make bench`: seed two private databases, measure side by side, write results.json.

BENCH_EVENTS sets the size (default 10,000,000), BENCH_REPETITIONS the timed requests per figure (20),
BENCH_KEEP=1 keeps the databases afterwards for inspection.
"""

import datetime as dt
import os
import platform
import subprocess
import sys
import time
import traceback

NULL_REASONS: dict[str, str] = {}


def _environment() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chaverim_admin.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ["DEBUG"] = "false"
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    os.environ["DB_POOL_SIZE"] = "0"  # the benchmark switches databases by reconnecting


def _say(message: str) -> None:
    print(f"[bench {dt.datetime.now(dt.UTC):%H:%M:%S}] {message}", flush=True)


def _measure(results: dict, keys: list[str], label: str, action) -> dict | None:
    """Run one measurement; on failure, set its keys to null and keep the reason."""
    _say(label)
    try:
        outcome = action()
    except Exception as exc:  # a product part that is missing or broken must not stop the others
        reason = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
        _say(f"  not measured: {reason}")
        if os.environ.get("BENCH_DEBUG") == "1":
            traceback.print_exc()
        for key in keys:
            results.setdefault(key, None)
            NULL_REASONS.setdefault(key, f"{label}: {reason}")
        return None
    return outcome


def _machine() -> dict:
    memory_kb = 0
    try:
        with open("/proc/meminfo") as handle:
            memory_kb = int(next(line for line in handle if line.startswith("MemTotal")).split()[1])
    except (OSError, StopIteration, ValueError):
        pass
    return {
        "nproc": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def _commit() -> str | None:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def _ratio(numerator, denominator):
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 3)


def _round(value, digits: int = 3):
    return None if value is None else round(value, digits)


def main() -> int:
    _environment()
    import django

    django.setup()
    import logging

    logging.getLogger("partitions").setLevel(logging.WARNING)  # one line per DDL would bury the table
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from bench import pages, report, retention, rotation, seed
    from bench.database import (
        LARGE_DATABASE,
        SMALL_DATABASE,
        BenchServer,
        conninfo,
        database_drop,
        database_recreate,
        django_use,
        server_version,
    )
    from bench.timing import p50
    from partitions.planner import month_start

    # The test client's host; not setup_test_environment(), whose template instrumentation would be timed too.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    events = int(os.environ.get("BENCH_EVENTS", "10000000"))
    repetitions = int(os.environ.get("BENCH_REPETITIONS", "20"))
    started = time.monotonic()
    now = timezone.now()
    large = seed.SeedPlan(now=now, events=events, watchlists=10_000, entries_per_list=20)
    small = seed.SeedPlan(now=now, events=events // 100, watchlists=10, entries_per_list=20)
    results: dict = {}
    details: dict = {}
    meta = {
        "date": now.isoformat(timespec="seconds"),
        "load_average_at_start": os.getloadavg(),
        "commit": _commit(),
        "machine": _machine(),
        "events": events,
        "events_small": small.events,
        "watchlists": large.watchlists,
        "watchlist_entries": large.watchlists * large.entries_per_list,
        "repetitions": repetitions,
    }

    with BenchServer():
        clients = {}
        for name, plan in ((LARGE_DATABASE, large), (SMALL_DATABASE, small)):
            _say(f"{name}: {plan.events:,} events, {plan.watchlists:,} watchlists")
            database_recreate(name)
            django_use(name)
            info = conninfo(name)
            seed.schema_migrate()
            user = seed.bench_user()
            meta.setdefault("partitions_made_by", {})[name] = seed.partitions_create(plan, info)
            timings = seed.events_seed(plan, info)
            seed.watchlists_seed(plan, info, user.pk)
            timings["settle_s"] = seed.database_settle(info)
            meta.setdefault("seed_seconds", {})[name] = {k: round(v, 1) for k, v in timings.items()}
            _say(f"{name}: seeded {timings}")
            client = Client()
            client.force_login(user)
            clients[name] = client
        meta["postgresql"] = server_version()
        meta["server"] = (
            "DATABASE_URL's server"
            if os.environ.get("DATABASE_URL")
            else "embedded server: fsync, synchronous_commit and full_page_writes off"
        )

        # --- the status page at both sizes, in alternating blocks so load drift hits both alike --------
        def status_both():
            samples = {LARGE_DATABASE: [], SMALL_DATABASE: []}
            blocks = 4
            for _ in range(blocks):
                for name in (SMALL_DATABASE, LARGE_DATABASE):
                    django_use(name)
                    samples[name] += pages.status_page_samples(clients[name], max(1, repetitions // blocks))
            details["status_page_queries"] = pages.query_count(clients[LARGE_DATABASE], pages.STATUS_URL)
            details["status_page_slowest_query"] = pages.slowest_query_explain(
                clients[LARGE_DATABASE], pages.STATUS_URL
            )
            details["status_page_profile"] = pages.query_profile(clients[LARGE_DATABASE], pages.STATUS_URL)
            return p50(samples[LARGE_DATABASE]), p50(samples[SMALL_DATABASE])

        status = _measure(
            results,
            ["status_page_ms_p50", "status_page_ratio_large_vs_small"],
            "status page, both sizes",
            status_both,
        )
        if status is not None:
            results["status_page_ms_p50"] = _round(status[0])
            details["status_page_ms_p50_small"] = _round(status[1])
            results["status_page_ratio_large_vs_small"] = _ratio(*status)

        # --- the watchlists page with 10 lists (small database) ---------------------------------------
        django_use(SMALL_DATABASE)
        watch_small = _measure(
            results,
            ["watchlists_page_queries_small", "watchlists_page_queries_large"],
            "watchlists page, 10 lists",
            lambda: pages.watchlists_page(clients[SMALL_DATABASE]),
        )
        if watch_small:
            results["watchlists_page_queries_small"] = watch_small["queries"]

        # --- the large database --------------------------------------------------------------------------
        django_use(LARGE_DATABASE)
        client = clients[LARGE_DATABASE]
        info = conninfo(LARGE_DATABASE)
        plate, sightings = seed.plate_at_rank(info, 100)
        details["plate"] = {"plate": plate, "sightings": sightings, "rank": 100}
        window = _measure(
            results,
            ["plate_lookup_ms_p50_window"],
            "plate lookup, 7 days",
            lambda: p50(
                pages.plate_lookup_samples(
                    client, plate=plate, start=now - dt.timedelta(days=7), end=now, repetitions=repetitions
                )
            ),
        )
        results["plate_lookup_ms_p50_window"] = _round(window)
        cold = _measure(
            details,
            ["plate_lookup_ms_p50_window_cold_connection"],
            "plate lookup, 7 days, a new connection each time",
            lambda: p50(
                pages.plate_lookup_cold_samples(
                    client, plate=plate, start=now - dt.timedelta(days=7), end=now, repetitions=repetitions
                )
            ),
        )
        details["plate_lookup_ms_p50_window_cold_connection"] = _round(cold)
        all_start, all_end = month_start(large.first_month), now + dt.timedelta(days=1)
        everything = _measure(
            results,
            ["plate_lookup_ms_p50_all"],
            "plate lookup, all months",
            lambda: p50(
                pages.plate_lookup_samples(
                    client, plate=plate, start=all_start, end=all_end, repetitions=repetitions
                )
            ),
        )
        results["plate_lookup_ms_p50_all"] = _round(everything)
        top_plate, top_sightings = seed.plate_at_rank(info, 0)

        def top_all():
            details["plate_top"] = {"plate": top_plate, "sightings": top_sightings, "rank": 0}
            return p50(
                pages.plate_lookup_samples(
                    client, plate=top_plate, start=all_start, end=all_end, repetitions=repetitions
                )
            )

        top = _measure(details, ["plate_lookup_ms_p50_all_top_plate"], "most seen plate, all months", top_all)
        details["plate_lookup_ms_p50_all_top_plate"] = _round(top)
        explain = _measure(
            details,
            ["plate_lookup_all_explain"],
            "plate lookup, all months: EXPLAIN",
            lambda: pages.slowest_query_explain(
                client,
                pages.plate_url(plate, all_start, all_end),
                max_window_days=(all_end - all_start).days + 2,
            ),
        )
        if explain:
            details["plate_lookup_all_explain"] = explain

        def deep():
            first, deep_url = pages.events_deep_urls(client, start=now - dt.timedelta(days=365), end=now)
            firsts, deeps = pages.events_deep_samples(
                client, first=first, deep=deep_url, repetitions=repetitions
            )
            details["events_search_first_page_ms_p50"] = _round(p50(firsts))
            details["events_search_page_100_ms_p50"] = _round(p50(deeps))
            details["events_search_page_100_explain"] = pages.slowest_query_explain(client, deep_url)
            return _ratio(p50(deeps), p50(firsts))

        ratio = _measure(results, ["events_search_deep_vs_first_page_ratio"], "events search, page 100", deep)
        if ratio is not None:
            results["events_search_deep_vs_first_page_ratio"] = ratio

        watch_large = _measure(
            results,
            ["watchlists_page_queries_large", "watchlists_page_ms_p50"],
            "watchlists page, 10,000 lists",
            lambda: pages.watchlists_page(client, repetitions),
        )
        if watch_large:
            results["watchlists_page_queries_large"] = watch_large["queries"]
            results["watchlists_page_ms_p50"] = _round(watch_large["p50_ms"])
            details["watchlists_page_slowest_query"] = watch_large["slowest_query"]
            details["watchlists_page_profile"] = pages.query_profile(client, pages.WATCHLISTS_URL)

        # --- retention: one month dropped by the engine vs the same rows deleted ------------------------
        month_rows = large.rows_by_month()[large.first_month]
        noop = _measure(
            details, ["retention_engine_noop_ms"], "engine run with nothing to do", retention.engine_noop_ms
        )
        details["retention_engine_noop_ms"] = _round(noop)
        compared = _measure(
            results,
            ["retention_drop_vs_delete_speedup"],
            f"retention: one month of {month_rows:,} rows, DELETE vs the engine",
            lambda: retention.retention_compare(info, large, month_rows),
        )
        if compared:
            details["retention"] = compared
            results["retention_drop_vs_delete_speedup"] = _round(compared["speedup_vs_engine_run"])
        big_month = int(os.environ.get("BENCH_RETENTION_BIG_MONTH", "1000000"))
        if big_month > month_rows:
            # The speedup grows with the month's rows (DELETE is linear, DROP constant): show it at a
            # month the size of a real deployment's, beside the benchmark's own.
            bigger = _measure(
                details,
                ["retention_big_month"],
                f"retention: one month of {big_month:,} rows, DELETE vs the engine",
                lambda: retention.retention_compare(info, large, big_month),
            )
            if bigger:
                details["retention_big_month"] = bigger

        # --- rotation under a concurrent writer: the engine, then the naive DDL ------------------------
        rotation_keys = [
            "rotation_insert_p99_ms_baseline",
            "rotation_insert_p99_ms_during",
            "rotation_failed_inserts",
            "rotation_seconds",
        ]

        rotations = int(os.environ.get("BENCH_ROTATIONS", "5"))
        reader = float(os.environ.get("BENCH_READER_SECONDS", "3"))
        engine = _measure(
            results,
            rotation_keys,
            f"rotation by the engine x{rotations}, concurrent writer",
            lambda: rotation.rotation_measure(info, large, naive=False, repetitions=rotations),
        )
        if engine:
            details["rotation_engine"] = engine
            results["rotation_insert_p99_ms_baseline"] = _round(engine["insert_p99_ms_baseline"])
            results["rotation_insert_p99_ms_during"] = _round(engine["insert_p99_ms_during"])
            results["rotation_failed_inserts"] = engine["failed_inserts"]
            results["rotation_seconds"] = _round(engine["seconds_p50"])
        scenarios = (
            # key, naive, label, repetitions, reader seconds, retire only
            (
                "rotation_naive",
                True,
                f"naive rotation x{rotations}, concurrent writer",
                rotations,
                None,
                False,
            ),
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
        for key, naive, label, repeat, hold, retire_only in scenarios:
            measured = _measure(
                details,
                [key],
                label,
                lambda naive=naive, repeat=repeat, hold=hold, retire_only=retire_only: (
                    rotation.rotation_measure(
                        info,
                        large,
                        naive=naive,
                        repetitions=repeat,
                        reader_seconds=hold,
                        retire_only=retire_only,
                    )
                ),
            )
            if measured:
                details[key] = measured

        meta["seconds_total"] = round(time.monotonic() - started, 1)
        meta["load_average_at_end"] = os.getloadavg()
        if os.environ.get("BENCH_KEEP") != "1":
            from django.db import connections

            connections.close_all()
            database_drop(LARGE_DATABASE)
            database_drop(SMALL_DATABASE)

    ordered = {key: results.get(key) for key, *_rest in report.TARGETS}
    output = {
        **ordered,
        "verdicts": report.verdicts(ordered),
        "null_reasons": NULL_REASONS,
        "meta": meta,
        "details": details,
    }
    path = report.results_write(output)
    print()
    print(report.table_markdown(ordered))
    print()
    for key, reason in NULL_REASONS.items():
        print(f"null {key}: {reason}")
    print(f"\nmachine: {meta['machine']}, PostgreSQL {meta['postgresql']}, {events:,} events; wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
