"""Rotation under a concurrent writer: the engine and the naive DDL it replaces, on the same planted state."""

import json
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import psycopg
from psycopg import sql as pgsql

from bench import sql
from bench.seed import BASE_DIR, EVENTS, SeedPlan, events_insert_month, partition_create_naive, tables_settle
from bench.timing import percentile
from partitions.planner import month_start, partition_name

EXPIRED_MONTHS = 5  # with the 85 live months this makes the 90 partitions the issue asks for
STRAY_MONTHS = 2  # premade months that are missing and have rows waiting in DEFAULT
WRITER_INTERVAL_MS = 1.0
BASELINE_SECONDS = 3.0
TAIL_SECONDS = 1.0


class ConcurrentWriter:
    """Run bench.writer in its own process for the duration of a `with` block."""

    def __init__(self, conninfo: dict):
        self.conninfo = conninfo
        self.folder = Path(tempfile.mkdtemp(prefix="chaverim-bench-"))
        self.out, self.stop = self.folder / "writer.json", self.folder / "stop"
        self.result = None

    def __enter__(self):
        arguments = {
            "conninfo": self.conninfo,
            "out": str(self.out),
            "stop": str(self.stop),
            "interval_ms": WRITER_INTERVAL_MS,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.writer", json.dumps(arguments)], cwd=BASE_DIR
        )
        time.sleep(1.0)  # connected and past its first inserts before the baseline window starts
        return self

    def __exit__(self, *exc):
        self.stop.touch()
        self.process.wait(timeout=120)
        self.result = json.loads(self.out.read_text())
        return False

    def window(self, start: float, end: float) -> list[tuple[float, float, bool]]:
        """Return the inserts that were in flight at some point of [start, end]."""
        return [s for s in self.result["samples"] if s[0] <= end and s[0] + s[1] / 1000 >= start]


class LockHolder(threading.Thread):
    """A long reader: holds ACCESS SHARE on events for `seconds`, as a report query or pg_dump would."""

    def __init__(self, conninfo: dict, seconds: float):
        super().__init__(daemon=True)
        self.conninfo, self.seconds = conninfo, seconds
        self.holding = threading.Event()

    def run(self):
        with psycopg.connect(**self.conninfo) as conn:
            conn.execute(sql.LOCK_HOLDER)
            self.holding.set()
            conn.execute(sql.SLEEP, (self.seconds,))
            conn.rollback()


def scenario_prepare(conninfo: dict, plan: SeedPlan, *, retire_only: bool = False) -> dict:
    """Plant the state a rotation fixes: missing premade months with rows in DEFAULT, expired months.

    With `retire_only`, the premade months exist (empty) and only the expired months are left to do.
    """
    month_rows = plan.rows_by_month()[plan.first_month]
    stray_rows = max(1000, plan.events // 1000)
    missing = list(range(plan.current_month + 1, plan.last_month + 1))
    expired = list(range(plan.first_month - EXPIRED_MONTHS, plan.first_month))
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        for index in missing + expired:
            conn.execute(
                pgsql.SQL(sql.PARTITION_DROP).format(pgsql.Identifier(partition_name(EVENTS, index)))
            )
        with conn.transaction():
            conn.execute(sql.MAINTENANCE_ON)
            conn.execute(sql.DEFAULT_EMPTY)
        collector_id = conn.execute(sql.COLLECTOR_ANY).fetchone()[0]
        for index in missing if retire_only else []:
            conn.execute(partition_create_naive(index))
        for index in [] if retire_only else missing[:STRAY_MONTHS]:
            conn.execute(
                sql.EVENTS_INSERT_STRAY,
                {
                    "collector_id": collector_id,
                    "start": month_start(index),
                    "end": month_start(index + 1),
                    "rows": stray_rows,
                },
            )
        for index in expired:
            conn.execute(partition_create_naive(index))
    for index in expired:
        events_insert_month(conninfo, plan, index, month_rows)
    tables_settle(conninfo, ["events_default", *(partition_name(EVENTS, index) for index in expired)])
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        partitions = len(conn.execute(sql.EVENT_CHILDREN).fetchall()) - 1  # without DEFAULT
    return {
        "partitions": partitions,
        "missing_months": [] if retire_only else [partition_name(EVENTS, index) for index in missing],
        "stray_rows_per_month": 0 if retire_only else stray_rows,
        "expired_months": [partition_name(EVENTS, index) for index in expired],
        "rows_per_expired_month": month_rows,
    }


def with_writer(conninfo: dict, rotate, *, reader_seconds: float | None = None) -> dict:
    """Run `rotate` while the writer inserts; return the insert latencies before and during it."""
    with ConcurrentWriter(conninfo) as writer:
        baseline_start = time.monotonic()
        time.sleep(BASELINE_SECONDS)
        holder = None
        if reader_seconds:
            holder = LockHolder(conninfo, reader_seconds)
            holder.start()
            holder.holding.wait(10)
        started = time.monotonic()
        outcome = rotate()
        finished = time.monotonic()
        if holder is not None:
            holder.join()
        time.sleep(TAIL_SECONDS)
    return {
        "baseline": [s[1] for s in writer.window(baseline_start, started)],
        "during": [s[1] for s in writer.window(started, finished)],
        "failed_inserts": writer.result["error_count"],
        "insert_errors": writer.result["errors"][:3],
        "seconds": finished - started,
        "outcome": outcome,
    }


def _engine_rotate():
    from partitions.services import partitions_apply

    run = partitions_apply(trigger="cli", table="events")
    return {
        "status": run.status,
        "actions": dict(Counter(f"{a.get('action')}:{a.get('result')}" for a in (run.actions or []))),
        "moved_rows": sum(a.get("moved_rows") or 0 for a in (run.actions or [])),
        "errors": [f"{a.get('partition')}: {a.get('error')}" for a in (run.actions or []) if a.get("error")][
            :5
        ],
        "action_seconds": {a.get("partition"): a.get("seconds") for a in (run.actions or [])},
    }


def _naive_statements(plan: SeedPlan) -> list[tuple[str, pgsql.Composable]]:
    creates = [
        (f"create {partition_name(EVENTS, index)}", partition_create_naive(index))
        for index in range(plan.current_month + 1, plan.last_month + 1)
    ]
    drops = [
        (
            f"drop {partition_name(EVENTS, index)}",
            pgsql.SQL(sql.PARTITION_DROP).format(pgsql.Identifier(partition_name(EVENTS, index))),
        )
        for index in range(plan.first_month - EXPIRED_MONTHS, plan.first_month)
    ]
    return creates + drops


def _naive_rotate(conninfo: dict, plan: SeedPlan):
    outcomes = []
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        for label, statement in _naive_statements(plan):
            started = time.monotonic()
            try:
                conn.execute(statement)
                result = "ok"
            except psycopg.Error as exc:
                result = f"failed: {exc.sqlstate} {str(exc).strip().splitlines()[0]}"
            outcomes.append(
                {"statement": label, "ms": round((time.monotonic() - started) * 1000, 1), "result": result}
            )
    return {"statements": outcomes}


def rotation_measure(
    conninfo: dict,
    plan: SeedPlan,
    *,
    naive: bool,
    repetitions: int,
    reader_seconds: float | None = None,
    retire_only: bool = False,
) -> dict:
    """Plant the state and rotate it `repetitions` times under the writer, the engine's way or naively."""
    baseline, during, seconds, outcomes = [], [], [], []
    failed, errors, planted = 0, [], None
    for _ in range(repetitions):
        planted = scenario_prepare(conninfo, plan, retire_only=retire_only)
        rotate = (lambda: _naive_rotate(conninfo, plan)) if naive else _engine_rotate
        measured = with_writer(conninfo, rotate, reader_seconds=reader_seconds)
        baseline += measured["baseline"]
        during += measured["during"]
        seconds.append(measured["seconds"])
        failed += measured["failed_inserts"]
        errors += measured["insert_errors"]
        outcomes.append(measured["outcome"])
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        default_rows = conn.execute(sql.DEFAULT_ROWS).fetchone()[0]
    return {
        "planted": planted,
        "repetitions": repetitions,
        "reader_seconds": reader_seconds,
        "insert_p99_ms_baseline": percentile(baseline, 0.99),
        "insert_p99_ms_during": percentile(during, 0.99),
        "insert_max_ms_during": max(during) if during else None,
        "inserts_baseline": len(baseline),
        "inserts_during": len(during),
        "failed_inserts": failed,
        "insert_errors": errors[:3],
        "seconds_p50": percentile(seconds, 0.5),
        "seconds": [round(value, 3) for value in seconds],
        "default_rows_after": default_rows,
        "outcome_first": outcomes[0] if outcomes else None,
        "outcome_last": outcomes[-1] if outcomes else None,
    }
