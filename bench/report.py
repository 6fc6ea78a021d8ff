"""The readable table and bench/results.json."""

import json
from pathlib import Path

RESULTS_PATH = Path(__file__).resolve().parent / "results.json"

# key, what it is, target (a predicate on the results, or None: reported only), target as text
TARGETS = [
    ("status_page_ms_p50", "/partitions/ p50, full size (ms)", None, "report"),
    (
        "status_page_ratio_large_vs_small",
        "/partitions/ full size ÷ 1/100 size",
        lambda r: r["status_page_ratio_large_vs_small"] <= 1.5,
        "≤ 1.5",
    ),
    (
        "retention_drop_vs_delete_speedup",
        "retire a month, fsync on: DELETE time ÷ engine run",
        lambda r: r["retention_drop_vs_delete_speedup"] >= 100,
        "≥ 100",
    ),
    (
        "retention_drop_vs_delete_wal_ratio",
        "retire a month, fsync on: DELETE WAL ÷ engine run WAL",
        lambda r: r["retention_drop_vs_delete_wal_ratio"] >= 1000,
        "≥ 1000",
    ),
    (
        "plate_lookup_ms_p50_window",
        "/events/ exact plate, 7 days, p50 (ms)",
        lambda r: r["plate_lookup_ms_p50_window"] <= 10,
        "≤ 10 ms",
    ),
    (
        "plate_lookup_ratio_large_vs_small",
        "/events/ exact plate, 7 days: full size ÷ 1/100 size",
        lambda r: r["plate_lookup_ratio_large_vs_small"] <= 1.5,
        "≤ 1.5",
    ),
    ("plate_lookup_ms_p50_all", "/events/ exact plate, all months, p50 (ms)", None, "report"),
    ("watchlists_page_queries_small", "/watchlists/ queries, 10 lists", None, "= large"),
    (
        "watchlists_page_queries_large",
        "/watchlists/ queries, 10,000 lists",
        lambda r: r["watchlists_page_queries_large"] == r["watchlists_page_queries_small"],
        "= small",
    ),
    ("watchlists_page_ms_p50", "/watchlists/ p50, 10,000 lists (ms)", None, "report"),
    ("alerts_page_queries_small", "/alerts/ queries, 10 hits", None, "= large"),
    (
        "alerts_page_queries_large",
        "/alerts/ queries, 100,000 hits",
        lambda r: r["alerts_page_queries_large"] == r["alerts_page_queries_small"],
        "= small",
    ),
    ("rotation_insert_p99_ms_baseline", "writer INSERT p99, no rotation (ms)", None, "report"),
    ("rotation_insert_p99_ms_during", "writer INSERT p99, during rotation (ms)", None, "low"),
    ("rotation_failed_inserts", "writer INSERTs failed", lambda r: r["rotation_failed_inserts"] == 0, "0"),
    (
        "events_search_deep_vs_first_page_ratio",
        "/events/ page 100 ÷ page 1",
        lambda r: r["events_search_deep_vs_first_page_ratio"] <= 1.5,
        "≤ 1.5",
    ),
    ("rotation_seconds", "one full rotation, 90 partitions (s)", None, "report"),
    ("drain_seconds", "drain a month from DEFAULT and attach it, fsync on (s)", None, "report"),
    ("drain_insert_p99_ms_during", "writer INSERT p99, during the drain (ms)", None, "low"),
    ("drain_insert_max_ms_during", "writer INSERT max, during the drain (ms)", None, "report"),
    ("drain_wal_bytes", "WAL written by the drain and attach (bytes)", None, "report"),
    (
        "drain_rows_missing",
        "rows neither in the new partition nor in DEFAULT",
        lambda r: r["drain_rows_missing"] == 0,
        "0",
    ),
]


def _format(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, float):
        return f"{value:,.3f}" if value < 10 else f"{value:,.1f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def verdicts(results: dict) -> dict[str, str]:
    """Return, for each key with a target, "met", "MISSED" or "n/a" (a value is null)."""
    out = {}
    for key, _what, check, _target in TARGETS:
        if check is None:
            continue
        try:
            out[key] = "met" if check(results) else "MISSED"
        except TypeError:
            out[key] = "n/a"
    return out


def table_markdown(results: dict) -> str:
    """Return the figures as a Markdown table (the same one is printed and kept in the README)."""
    judged = verdicts(results)
    lines = ["| key | what | value | target | |", "|---|---|---:|---|---|"]
    for key, what, _check, target in TARGETS:
        lines.append(f"| `{key}` | {what} | {_format(results.get(key))} | {target} | {judged.get(key, '')} |")
    return "\n".join(lines)


def results_write(results: dict) -> Path:
    """Write results.json (through a temporary file, so a crash never leaves half a file)."""
    temporary = RESULTS_PATH.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(results, indent=2, default=str) + "\n")
    temporary.replace(RESULTS_PATH)
    return RESULTS_PATH


def _rotation_row(label: str, measured: dict | None) -> str:
    if not measured:
        return f"| {label} | not measured | | | | |"
    outcome = measured.get("outcome_last") or {}
    if "statements" in outcome:
        failed = [s["statement"] for s in outcome["statements"] if s["result"] != "ok"]
        what = f"{len(outcome['statements']) - len(failed)} ok, {len(failed)} failed"
        if failed:
            reason = next(s["result"] for s in outcome["statements"] if s["result"] != "ok")
            what += f" ({', '.join(failed)}: {reason.removeprefix('failed: ')})"
    else:
        what = f"{outcome.get('status')}: {outcome.get('actions')}, {outcome.get('moved_rows')} rows moved"
    return (
        f"| {label} | {what} | {measured['default_rows_after']:,} "
        f"| {_format(measured['insert_p99_ms_baseline'])} | {_format(measured['insert_p99_ms_during'])} "
        f"| {_format(measured['insert_max_ms_during'])} |"
    )


def naive_markdown(results: dict) -> str:
    """Return the engine-vs-naive rotation comparison as a Markdown table."""
    details = results.get("details", {})
    lines = [
        "| rotation | outcome | rows left in DEFAULT | INSERT p99 before (ms) | INSERT p99 during (ms) "
        "| INSERT max during (ms) |",
        "|---|---|---:|---:|---:|---:|",
        _rotation_row("engine", details.get("rotation_engine")),
        _rotation_row("naive DDL", details.get("rotation_naive")),
        _rotation_row("engine, behind a long reader", details.get("rotation_engine_long_reader")),
        _rotation_row("naive DDL, behind a long reader", details.get("rotation_naive_long_reader")),
        _rotation_row(
            "engine, retiring only, behind a long reader",
            details.get("rotation_engine_retire_only_long_reader"),
        ),
    ]
    return "\n".join(lines)


def machine_line(results: dict) -> str:
    """Return one line naming the size, machine, server and date of a run."""
    meta = results.get("meta", {})
    machine = meta.get("machine", {})
    load = meta.get("load_average_at_start") or [None]
    return (
        f"{meta.get('events', 0):,} events ({meta.get('events_small', 0):,} in the small database), "
        f"{meta.get('watchlists', 0):,} watchlists / {meta.get('watchlist_entries', 0):,} entries; "
        f"{machine.get('nproc')} CPUs, {machine.get('memory_gb')} GB, PostgreSQL {meta.get('postgresql')} "
        f"({meta.get('server')}), Python {machine.get('python')}; {meta.get('date')}, "
        f"commit {meta.get('commit')}, load average {load[0]:.1f} at start, "
        f"{meta.get('seconds_total')} s in all."
    )


if __name__ == "__main__":
    # `python -m bench.report`: the README sections for the last run, from results.json.
    saved = json.loads(RESULTS_PATH.read_text())
    print(machine_line(saved), "", table_markdown(saved), "", naive_markdown(saved), sep="\n")
