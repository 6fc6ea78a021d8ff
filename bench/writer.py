"""A concurrent writer: INSERT into events in a paced loop on its own connection, recording each latency.

Run as `python -m bench.writer '<json>'` with conninfo, out (result file), stop (a path whose existence
ends the loop) and interval_ms. A separate process, so that the rotation's Python does not delay it.
"""

import json
import os
import random
import sys
import time

import psycopg

from bench import sql


def _connect(conninfo: dict) -> psycopg.Connection:
    return psycopg.connect(**conninfo, autocommit=True)


def writer_loop(*, conninfo: dict, out: str, stop: str, interval_ms: float) -> None:
    """Insert until `stop` exists; write [[started (monotonic s), latency ms, ok]] and errors to `out`."""
    conn = _connect(conninfo)
    collector_id = conn.execute(sql.COLLECTOR_ANY).fetchone()[0]
    samples, errors = [], []
    interval = interval_ms / 1000
    next_tick = time.monotonic()
    while not os.path.exists(stop):
        plate = f"WR{random.randrange(10**6):06d}"
        started = time.monotonic()
        try:
            conn.execute(sql.WRITER_INSERT, (collector_id, plate), prepare=True)
            ok = True
        except psycopg.Error as exc:
            ok = False
            errors.append(f"{getattr(exc, 'sqlstate', None)}: {exc}".strip())
            if conn.closed or conn.broken:
                conn = _connect(conninfo)
        samples.append((started, (time.monotonic() - started) * 1000, ok))
        next_tick += interval
        pause = next_tick - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        else:
            next_tick = time.monotonic()  # behind after a wait: do not burst to catch up
    conn.close()
    with open(out, "w") as handle:
        json.dump({"samples": samples, "errors": errors[:20], "error_count": len(errors)}, handle)


if __name__ == "__main__":
    writer_loop(**json.loads(sys.argv[1]))
