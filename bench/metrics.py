"""Time a /metrics scrape with 100 partitions per table and a year of maintenance runs.

`python -m bench.metrics` (on its own; `make bench` does not run it). It makes a private database
`chaverim_bench_metrics` on the embedded server (or DATABASE_URL's), gives `events` and `audit_log` each
BENCH_METRICS_PARTITIONS monthly partitions (default 100) plus DEFAULT, records BENCH_METRICS_RUNS maintenance
runs (default 8,760: a year of hourly runs, one a month with its four creates), times GET /metrics through the
test client from loopback, prints the figures and writes bench/results_metrics.json. Target: p50 under 50 ms.
"""

import datetime as dt
import json
import logging
import os
import time
from pathlib import Path

from bench.harness import say

DATABASE = "chaverim_bench_metrics"
RESULTS = Path(__file__).with_name("results_metrics.json")
METRICS_URL = "/metrics"
TARGET_MS = 50


def _say(message: str) -> None:
    say(message, name="bench.metrics")


def _partitions_make(*, tables: tuple[str, ...], months: range) -> None:
    """Attach one plain monthly partition per month and table (set-up only: the engine is not measured)."""
    from django.db import connection
    from psycopg import sql as pgsql

    from partitions.planner import month_start, partition_name

    statement = pgsql.SQL("CREATE TABLE {partition} PARTITION OF {parent} FOR VALUES FROM (%s) TO (%s)")
    with connection.cursor() as cursor:
        for table in tables:
            for month in months:
                cursor.execute(
                    statement.format(
                        partition=pgsql.Identifier(partition_name(table, month)),
                        parent=pgsql.Identifier(table),
                    ),
                    [month_start(month), month_start(month + 1)],
                )
        # A few rows for the DEFAULT counts to count: dated where no partition can be made.
        cursor.execute(
            "INSERT INTO events (collector_id, plate_number, captured_at) "
            "SELECT gen_random_uuid(), 'QX0000A', '9999-12-05 00:00+00' FROM generate_series(1, 10)"
        )
        cursor.execute("ANALYZE events")


def _runs_record(*, count: int, now: dt.datetime) -> None:
    """Record `count` hourly runs back from `now`: one in 720 with four creates, one in 100 failed."""
    from partitions.models import MaintenanceRun

    creates = [
        {"table": "events", "action": "create", "partition": f"events_p{n}", "result": "success"}
        for n in range(4)
    ]
    runs = []
    for index in range(count):
        started = now - dt.timedelta(hours=index)
        failed = index % 100 == 99
        runs.append(
            MaintenanceRun(
                trigger=MaintenanceRun.Trigger.BEAT,
                started_at=started,
                finished_at=started + dt.timedelta(seconds=2),
                status=MaintenanceRun.Status.FAILED if failed else MaintenanceRun.Status.SUCCESS,
                actions=creates if index % 720 == 0 else [],
                error="bench: lock timeout" if failed else "",
            )
        )
    MaintenanceRun.objects.bulk_create(runs, batch_size=2000)


def main() -> int:
    from bench.harness import environment

    environment()
    import django

    django.setup()
    # One request line per scrape would bury the figures.
    logging.getLogger("django_structlog").setLevel(logging.WARNING)
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bench.database import BenchServer, database_drop, database_recreate, django_use, server_version
    from bench.seed import schema_migrate
    from bench.timing import get_ok, p50, percentile, request_samples_ms, timed_ms
    from partitions.metrics import partitions_collect
    from partitions.planner import month_index

    partitions = int(os.environ.get("BENCH_METRICS_PARTITIONS", "100"))
    runs = int(os.environ.get("BENCH_METRICS_RUNS", "8760"))
    repetitions = int(os.environ.get("BENCH_REPETITIONS", "50"))
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # Every month kept: nothing is past retention, as on a platform with that much history.
    settings.PARTITION_RETENTION_MONTHS = partitions + 12
    now = timezone.now()
    current = month_index(now)

    with BenchServer():
        started = time.monotonic()
        database_recreate(DATABASE)
        django_use(DATABASE)
        try:
            schema_migrate()
            _partitions_make(
                tables=("events", "audit_log"), months=range(current - partitions + 4, current + 4)
            )
            _runs_record(count=runs, now=now)
            seconds = time.monotonic() - started
            _say(f"set up in {seconds:.1f} s: {partitions} partitions per table, {runs} runs")

            client = Client()
            samples = request_samples_ms(client, METRICS_URL, repetitions)
            collector = [timed_ms(partitions_collect)[0] for _ in range(repetitions)]
            with CaptureQueriesContext(connection) as queries:
                body = get_ok(client, METRICS_URL).content.decode()
            results = {
                "metrics_scrape_ms_p50": round(p50(samples), 2),
                "metrics_scrape_ms_p95": round(percentile(samples, 0.95), 2),
                "metrics_partitions_collector_ms_p50": round(p50(collector), 2),
                "metrics_scrape_queries": len(queries.captured_queries),
                "metrics_scrape_bytes": len(body),
            }
            meta = {
                "date": now.isoformat(timespec="seconds"),
                "partitions_per_table": partitions,
                "maintenance_runs": runs,
                "repetitions": repetitions,
                "postgresql": server_version(),
                "cpus": os.cpu_count(),
                "load_average_at_start": os.getloadavg(),
                "target_ms": TARGET_MS,
            }
        finally:
            connection.close()
            if os.environ.get("BENCH_KEEP") != "1":
                database_drop(DATABASE)

    for key, value in results.items():
        _say(f"{key:40} {value}")
    RESULTS.write_text(json.dumps({"results": results, "meta": meta}, indent=2) + "\n")
    _say(f"wrote {RESULTS.name}")
    return 0 if results["metrics_scrape_ms_p50"] < TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
