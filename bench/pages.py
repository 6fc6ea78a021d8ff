"""Measure the product's pages: server time through the test client, query counts, keyset depth."""

import datetime as dt
import re
from html import unescape
from urllib.parse import urlencode

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from bench.timing import get_ok, p50, request_samples_ms, timed_ms

STATUS_URL = "/partitions/"
EVENTS_URL = "/events/"
WATCHLISTS_URL = "/watchlists/"
DEEP_PAGE = 100
# Every search states a purpose (EVENTS_REQUIRE_PURPOSE) and is recorded in the access log, as in production.
SEARCH_PURPOSE = "Benchmark"
_NEXT_LINK = re.compile(r'<a href="([^"]+)"[^>]*rel="next"')


def _moment(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")


def status_page_samples(client, repetitions: int) -> list[float]:
    """Time the partitions status page."""
    return request_samples_ms(client, STATUS_URL, repetitions)


def plate_url(plate: str, start: dt.datetime, end: dt.datetime) -> str:
    query = {"plate": plate, "start": _moment(start), "end": _moment(end), "purpose": SEARCH_PURPOSE}
    return f"{EVENTS_URL}?{urlencode(query)}"


def plate_lookup_samples(client, *, plate: str, start: dt.datetime, end: dt.datetime, repetitions: int):
    """Time an exact-plate search over [start, end), with the window limit raised to allow it."""
    days = (end - start).days + 2
    with override_settings(EVENTS_MAX_WINDOW_DAYS=max(days, 366)):
        return request_samples_ms(client, plate_url(plate, start, end), repetitions)


def plate_lookup_cold_samples(client, *, plate: str, start: dt.datetime, end: dt.datetime, repetitions: int):
    """Time the same search on a fresh connection each time: connecting and a cold catalog cache."""
    url = plate_url(plate, start, end)
    samples = []
    for _ in range(repetitions):
        connection.close()
        elapsed, _response = timed_ms(lambda: get_ok(client, url))
        samples.append(elapsed)
    return samples


def query_count(client, url: str) -> int:
    """Return the number of SQL queries one GET of `url` makes (after one warm-up GET)."""
    get_ok(client, url)
    with CaptureQueriesContext(connection) as queries:
        get_ok(client, url)
    return len(queries.captured_queries)


def query_profile(client, url: str, *, max_window_days: int = 366) -> dict:
    """Return one GET's request time, time spent in SQL, and each query's time and opening."""
    with (
        override_settings(EVENTS_MAX_WINDOW_DAYS=max_window_days),
        CaptureQueriesContext(connection) as queries,
    ):
        elapsed, _response = timed_ms(lambda: get_ok(client, url))
    listed = [
        {"ms": round(float(query["time"]) * 1000, 1), "sql": " ".join(query["sql"].split())[:160]}
        for query in queries.captured_queries
    ]
    return {
        "request_ms": round(elapsed, 1),
        "sql_ms": round(sum(q["ms"] for q in listed), 1),
        "queries": listed,
    }


def slowest_query_explain(client, url: str, *, max_window_days: int = 366) -> dict:
    """Return the slowest SQL statement of one GET of `url` and its EXPLAIN (ANALYZE, BUFFERS)."""
    with (
        override_settings(EVENTS_MAX_WINDOW_DAYS=max_window_days),
        CaptureQueriesContext(connection) as queries,
    ):
        get_ok(client, url)
    slowest = max(queries.captured_queries, key=lambda query: float(query["time"]))
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
        plan = [row[0] for row in cursor.fetchall()]
    return {"sql": slowest["sql"], "ms": float(slowest["time"]) * 1000, "plan": plan}


def _next_url(response) -> str | None:
    match = _NEXT_LINK.search(response.content.decode())
    return unescape(match.group(1)) if match else None


def events_deep_urls(client, *, start: dt.datetime, end: dt.datetime) -> tuple[str, str]:
    """Return the first page's URL and the DEEP_PAGE-th, reached by following each page's Next link."""
    first = (
        f"{EVENTS_URL}?{urlencode({'start': _moment(start), 'end': _moment(end), 'purpose': SEARCH_PURPOSE})}"
    )
    url = first
    for page in range(1, DEEP_PAGE):
        following = _next_url(get_ok(client, url))
        if not following:
            raise RuntimeError(f"page {page} of {url} has no Next link: too few events in the window")
        url = following
    return first, url


def events_deep_samples(client, *, first: str, deep: str, repetitions: int) -> tuple[list, list]:
    """Time the first and the deep page, interleaved so drift in the machine hits both alike."""
    firsts, deeps = [], []
    for _ in range(repetitions):
        firsts.extend(request_samples_ms(client, first, 1, warmup=1))
        deeps.extend(request_samples_ms(client, deep, 1, warmup=1))
    return firsts, deeps


def watchlists_page(client, repetitions: int | None = None) -> dict:
    """Return the watchlists page's query count, and its p50 time when `repetitions` is given."""
    result = {"queries": query_count(client, WATCHLISTS_URL)}
    if repetitions:
        result["p50_ms"] = p50(request_samples_ms(client, WATCHLISTS_URL, repetitions))
        result["slowest_query"] = slowest_query_explain(client, WATCHLISTS_URL)
    return result
