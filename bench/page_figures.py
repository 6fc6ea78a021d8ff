"""Figures of the pages: the status page and the plate lookup at both sizes, the events search's deep page,
the watchlists page."""

import datetime as dt

from bench import pages, seed
from bench.database import LARGE_DATABASE, SMALL_DATABASE, conninfo, django_use
from bench.harness import BenchRun, ratio, rounded
from bench.timing import p50
from partitions.planner import month_start

BLOCKS = 4  # figures taken at both sizes alternate in this many blocks, so load drift hits both alike


def _both_sizes(bench: BenchRun, samples_of) -> tuple[list[float], list[float]]:
    """Take `samples_of(client, repetitions)` on the small and large databases in alternating blocks."""
    samples = {LARGE_DATABASE: [], SMALL_DATABASE: []}
    for _ in range(BLOCKS):
        for name in (SMALL_DATABASE, LARGE_DATABASE):
            django_use(name)
            samples[name] += samples_of(bench.clients[name], max(1, bench.repetitions // BLOCKS))
    django_use(LARGE_DATABASE)
    return samples[LARGE_DATABASE], samples[SMALL_DATABASE]


def status_page(bench: BenchRun) -> None:
    figures = bench.figures

    def both():
        large, small = _both_sizes(bench, pages.status_page_samples)
        client = bench.clients[LARGE_DATABASE]
        figures.details["status_page_queries"] = pages.query_count(client, pages.STATUS_URL)
        figures.details["status_page_slowest_query"] = pages.slowest_query_explain(client, pages.STATUS_URL)
        figures.details["status_page_profile"] = pages.query_profile(client, pages.STATUS_URL)
        return p50(large), p50(small)

    keys = ["status_page_ms_p50", "status_page_ratio_large_vs_small"]
    status = figures.measure(keys, "status page, both sizes", both)
    if status is not None:
        figures.results["status_page_ms_p50"] = rounded(status[0])
        figures.details["status_page_ms_p50_small"] = rounded(status[1])
        figures.results["status_page_ratio_large_vs_small"] = ratio(*status)


def watchlists_small(bench: BenchRun) -> None:
    django_use(SMALL_DATABASE)
    keys = ["watchlists_page_queries_small", "watchlists_page_queries_large"]
    measured = bench.figures.measure(
        keys, "watchlists page, 10 lists", lambda: pages.watchlists_page(bench.clients[SMALL_DATABASE])
    )
    if measured:
        bench.figures.results["watchlists_page_queries_small"] = measured["queries"]
    django_use(LARGE_DATABASE)


def plate_lookups(bench: BenchRun) -> None:
    """The 7-day lookup (and its ratio to the 1/100 database), cold, across all months, the top plate."""
    figures, now, repetitions = bench.figures, bench.now, bench.repetitions
    client = bench.clients[LARGE_DATABASE]
    info = conninfo(LARGE_DATABASE)
    plate, sightings = seed.plate_at_rank(info, 100)
    figures.details["plate"] = {"plate": plate, "sightings": sightings, "rank": 100}
    week = {"plate": plate, "start": now - dt.timedelta(days=7), "end": now}
    window = figures.measure(
        ["plate_lookup_ms_p50_window"],
        "plate lookup, 7 days",
        lambda: p50(pages.plate_lookup_samples(client, **week, repetitions=repetitions)),
    )
    figures.results["plate_lookup_ms_p50_window"] = rounded(window)

    def large_vs_small():
        large, small = _both_sizes(
            bench, lambda client, count: pages.plate_lookup_samples(client, **week, repetitions=count)
        )
        figures.details["plate_lookup_ms_p50_window_interleaved"] = {
            "large": rounded(p50(large)),
            "small": rounded(p50(small)),
        }
        return ratio(p50(large), p50(small))

    figures.results["plate_lookup_ratio_large_vs_small"] = figures.measure(
        ["plate_lookup_ratio_large_vs_small"], "plate lookup, 7 days, both sizes", large_vs_small
    )
    cold = figures.measure(
        ["plate_lookup_ms_p50_window_cold_connection"],
        "plate lookup, 7 days, a new connection each time",
        lambda: p50(pages.plate_lookup_cold_samples(client, **week, repetitions=repetitions)),
        detail=True,
    )
    figures.details["plate_lookup_ms_p50_window_cold_connection"] = rounded(cold)
    all_start, all_end = month_start(bench.large.first_month), now + dt.timedelta(days=1)
    everything = figures.measure(
        ["plate_lookup_ms_p50_all"],
        "plate lookup, all months",
        lambda: p50(
            pages.plate_lookup_samples(
                client, plate=plate, start=all_start, end=all_end, repetitions=repetitions
            )
        ),
    )
    figures.results["plate_lookup_ms_p50_all"] = rounded(everything)
    top_plate, top_sightings = seed.plate_at_rank(info, 0)

    def top_all():
        figures.details["plate_top"] = {"plate": top_plate, "sightings": top_sightings, "rank": 0}
        return p50(
            pages.plate_lookup_samples(
                client, plate=top_plate, start=all_start, end=all_end, repetitions=repetitions
            )
        )

    top = figures.measure(
        ["plate_lookup_ms_p50_all_top_plate"], "most seen plate, all months", top_all, detail=True
    )
    figures.details["plate_lookup_ms_p50_all_top_plate"] = rounded(top)
    explain = figures.measure(
        ["plate_lookup_all_explain"],
        "plate lookup, all months: EXPLAIN",
        lambda: pages.slowest_query_explain(
            client,
            pages.plate_url(plate, all_start, all_end),
            max_window_days=(all_end - all_start).days + 2,
        ),
        detail=True,
    )
    if explain:
        figures.details["plate_lookup_all_explain"] = explain


def events_deep_page(bench: BenchRun) -> None:
    figures, client = bench.figures, bench.clients[LARGE_DATABASE]

    def deep():
        first, deep_url = pages.events_deep_urls(
            client, start=bench.now - dt.timedelta(days=365), end=bench.now
        )
        firsts, deeps = pages.events_deep_samples(
            client, first=first, deep=deep_url, repetitions=bench.repetitions
        )
        figures.details["events_search_first_page_ms_p50"] = rounded(p50(firsts))
        figures.details["events_search_page_100_ms_p50"] = rounded(p50(deeps))
        figures.details["events_search_page_100_explain"] = pages.slowest_query_explain(client, deep_url)
        return ratio(p50(deeps), p50(firsts))

    value = figures.measure(["events_search_deep_vs_first_page_ratio"], "events search, page 100", deep)
    if value is not None:
        figures.results["events_search_deep_vs_first_page_ratio"] = value


def watchlists_large(bench: BenchRun) -> None:
    figures, client = bench.figures, bench.clients[LARGE_DATABASE]
    measured = figures.measure(
        ["watchlists_page_queries_large", "watchlists_page_ms_p50"],
        "watchlists page, 10,000 lists",
        lambda: pages.watchlists_page(client, bench.repetitions),
    )
    if measured:
        figures.results["watchlists_page_queries_large"] = measured["queries"]
        figures.results["watchlists_page_ms_p50"] = rounded(measured["p50_ms"])
        figures.details["watchlists_page_slowest_query"] = measured["slowest_query"]
        figures.details["watchlists_page_profile"] = pages.query_profile(client, pages.WATCHLISTS_URL)
