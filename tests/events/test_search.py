import base64
import datetime as dt
import json
import re
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events.forms import EventSearchForm
from events.selectors import (
    EventCriteria,
    EventCursor,
    PlateQuery,
    event_page,
    event_search_queryset,
)
from tests.events.paging import pages_there_and_back
from tests.factories import (
    CollectorFactory,
    UserFactory,
    WatchlistEntryFactory,
    WatchlistFactory,
    insert_events,
)

pytestmark = pytest.mark.django_db

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 28, 7, 5, 30, tzinfo=UTC)
MONTHS = ((2026, 9), (2026, 10), (2026, 11), (2026, 12))


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def search_form(now=NOW, **data) -> EventSearchForm:
    return EventSearchForm(data, now=now)


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory())
    return client


@pytest.fixture(autouse=True)
def _purpose_optional(settings):
    """These tests are about the search itself; tests/events/test_access_log.py covers its purpose."""
    settings.EVENTS_REQUIRE_PURPOSE = False


@pytest.fixture
def monthly_partitions():
    """Create Sept-Dec 2026 as monthly partitions of `events` (the DDL rolls back with the test)."""
    with connection.cursor() as cursor:
        for year, month in MONTHS:
            upper = (year + month // 12, month % 12 + 1)
            cursor.execute(
                f"CREATE TABLE events_{year}_{month:02d} PARTITION OF events FOR VALUES "
                f"FROM ('{year}-{month:02d}-01 00:00+00') TO ('{upper[0]}-{upper[1]:02d}-01 00:00+00')"
            )
    return [f"events_{year}_{month:02d}" for year, month in MONTHS]


def insert_hourly_events(*, collector_id, start, end, plate_number="HRLY1"):
    """Insert one event an hour from start to end with SQL, as the platform writes them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO events (collector_id, plate_number, captured_at) "
            "SELECT %s, %s, moment "
            "FROM generate_series(%s::timestamptz, %s::timestamptz, '1 hour') AS moment",
            [collector_id, plate_number, start, end],
        )


def token_of(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


def cursor_of(url: str) -> EventCursor | None:
    token = parse_qs(urlsplit(url).query).get("cursor")
    return EventCursor.decode(token[0]) if token else None


# --- plate ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("abc123", PlateQuery("ABC123", is_prefix=False)),
        (" ab-c 12 3 ", PlateQuery("ABC123", is_prefix=False)),
        ("ab-c*", PlateQuery("ABC", is_prefix=True)),
        ("7 xyz 9*", PlateQuery("7XYZ9", is_prefix=True)),
    ],
)
def test_plate_is_upper_cased_without_spaces_or_dashes_and_a_trailing_star_makes_a_prefix(typed, expected):
    form = search_form(plate=typed)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["plate"] == expected


@pytest.mark.parametrize("typed", ["AB_12", "A*B", "*", "ÄB12", "AB.12", "A" * 21, "B" * 21 + "*"])
def test_plate_with_other_characters_or_too_long_is_a_form_error(typed):
    form = search_form(plate=typed)
    assert not form.is_valid()
    assert "plate" in form.errors


def test_exact_plate_matches_only_that_plate_and_prefix_matches_its_beginning():
    collector = CollectorFactory()
    when = at(2026, 11, 20, 12)
    insert_events([(collector.pk, plate, when) for plate in ("ABC123", "ABC1234", "XABC12", "ABD1")])
    window = {"start_at": at(2026, 11, 20), "end_at": at(2026, 11, 21)}

    exact = event_page(criteria=EventCriteria(plate=PlateQuery("ABC123", is_prefix=False), **window))
    prefix = event_page(criteria=EventCriteria(plate=PlateQuery("ABC", is_prefix=True), **window))

    assert [event.plate_number for event in exact.events] == ["ABC123"]
    assert sorted(event.plate_number for event in prefix.events) == ["ABC123", "ABC1234"]


def test_typed_plate_is_normalized_before_searching(staff_client):
    collector = CollectorFactory()
    insert_events(collector_id=collector.pk, plate_number="AB123", captured_at=at(2026, 11, 20, 12))

    response = staff_client.get("/events/", {"plate": "ab-12 3", "start": "2026-11-20", "end": "2026-11-20"})

    assert response.status_code == 200
    assert [event.plate_number for event in response.context["page"].events] == ["AB123"]


# --- window --------------------------------------------------------------------------------------------


def test_empty_window_defaults_to_the_last_seven_days_ending_now():
    form = search_form()
    assert form.is_valid(), form.errors
    assert form.cleaned_data["end_at"] == NOW.replace(microsecond=0)
    assert form.cleaned_data["start_at"] == NOW.replace(microsecond=0) - dt.timedelta(days=7)


def test_only_a_start_runs_to_now_and_only_an_end_goes_back_seven_days():
    since = search_form(start="2026-11-01")
    until = search_form(end="2026-11-10T12:00")
    assert since.is_valid() and until.is_valid()
    assert (since.cleaned_data["start_at"], since.cleaned_data["end_at"]) == (at(2026, 11, 1), NOW)
    assert (until.cleaned_data["start_at"], until.cleaned_data["end_at"]) == (
        at(2026, 11, 3, 12),
        at(2026, 11, 10, 12),
    )


@pytest.mark.parametrize(
    ("start", "end", "start_at", "end_at"),
    [
        ("2026-11-01", "2026-11-01", at(2026, 11, 1), at(2026, 11, 2)),
        ("2026-11-01T08:30", "2026-11-02T17:45:15", at(2026, 11, 1, 8, 30), at(2026, 11, 2, 17, 45, 15)),
        ("2026-11-01 08:30", "2026-11-02T10:00+02:00", at(2026, 11, 1, 8, 30), at(2026, 11, 2, 8)),
        # Every spelling of a date is a date, so as the end it takes in that whole day too.
        ("20261101", "20261101", at(2026, 11, 1), at(2026, 11, 2)),
        ("2026-W45-1", "2026-W45-7", at(2026, 11, 2), at(2026, 11, 9)),
    ],
)
def test_dates_and_date_times_are_read_in_utc_and_a_date_as_end_includes_that_day(
    start, end, start_at, end_at
):
    form = search_form(start=start, end=end)
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["start_at"], form.cleaned_data["end_at"]) == (start_at, end_at)


def test_end_before_start_is_a_form_error():
    form = search_form(start="2026-11-10", end="2026-11-09")
    assert not form.is_valid()
    assert "The end must be after the start" in " ".join(form.non_field_errors())


def test_window_longer_than_the_cap_is_a_clear_form_error(settings):
    settings.EVENTS_MAX_WINDOW_DAYS = 30
    within = search_form(start="2026-10-01", end="2026-10-30")
    beyond = search_form(start="2026-10-01", end="2026-10-31")
    assert within.is_valid(), within.errors
    assert not beyond.is_valid()
    assert "at most 30 days" in " ".join(beyond.non_field_errors())


@pytest.mark.parametrize(
    "data",
    [
        {"start": "2026-13-01"},
        {"start": "2026-11-31"},
        {"end": "yesterday"},
        {"start": "2026-11-01T25:00"},
        {"end": "0001-01-02"},
        {"start": "9999-12-25", "end": "9999-12-31"},
        {"start": "x" * 41},
    ],
)
def test_bad_dates_are_form_errors_not_server_errors(staff_client, data):
    response = staff_client.get("/events/", data)
    assert response.status_code == 200
    assert not response.context["form"].is_valid()
    assert response.context["page"] is None
    assert b"errorlist" in response.content


@pytest.mark.parametrize("value", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "1"])
def test_malformed_or_unknown_collector_is_a_form_error(staff_client, value):
    response = staff_client.get("/events/", {"collector": value})
    assert response.status_code == 200
    assert "collector" in response.context["form"].errors


# --- cursor --------------------------------------------------------------------------------------------


def test_cursor_survives_a_round_trip():
    cursor = EventCursor("prev", at(2026, 11, 20, 12, 0, 0, 123456), 42)
    assert EventCursor.decode(cursor.encode()) == cursor


@pytest.mark.parametrize(
    "token",
    [
        "garbage!!",
        token_of({"d": "next"}),
        EventCursor("next", at(2026, 11, 20), 1).encode()[:-3],
        token_of({"d": "sideways", "t": "2026-11-20T00:00:00+00:00", "i": 1}),
        token_of({"d": "next", "t": "2026-11-20T00:00:00", "i": 1}),  # naive timestamp
        token_of({"d": "next", "t": "2026-11-20T00:00:00+00:00", "i": -1}),
        token_of({"d": "next", "t": "2026-11-20T00:00:00+00:00", "i": "1"}),
        token_of({"d": "next", "t": 5, "i": 1}),
        "A" * 5000,
        "W10",  # []
        # Valid timestamps whose offset takes them past year 1 or 9999 in UTC.
        token_of({"d": "next", "t": "0001-01-01T00:00:00+01:00", "i": 1}),
        token_of({"d": "prev", "t": "9999-12-31T23:59:59-01:00", "i": 1}),
    ],
)
def test_tampered_cursor_is_ignored_and_the_first_page_shown(staff_client, token):
    collector = CollectorFactory()
    insert_events(collector_id=collector.pk, captured_at=at(2026, 11, 20, 12))
    response = staff_client.get("/events/", {"start": "2026-11-20", "end": "2026-11-20", "cursor": token})
    assert response.status_code == 200
    assert len(response.context["page"].events) == 1
    assert response.context["form"].cursor_ignored


# --- keyset pagination ---------------------------------------------------------------------------------


def test_keyset_pages_over_equal_timestamps_skip_and_repeat_nothing_forward_and_back():
    collector = CollectorFactory()
    moments = [at(2026, 11, 20, 12), at(2026, 11, 20, 11), at(2026, 11, 20, 10)]
    # 23 rows on three timestamps, inserted out of order so ids do not follow time.
    insert_events([(collector.pk, f"P{n}", moments[n % 3]) for n in range(23)])
    criteria = EventCriteria(start_at=at(2026, 11, 20), end_at=at(2026, 11, 21))
    expected = list(
        event_search_queryset(criteria=criteria).values_list("captured_at", "id")
    )  # newest first, id descending

    pages, backward = pages_there_and_back(criteria, page_size=5)
    forward = [position for rows in pages for position in rows]

    assert len(expected) == 23
    assert forward == expected
    assert [len(rows) for rows in pages] == [5, 5, 5, 5, 3]
    assert backward == pages[::-1]


def test_page_links_walk_fifty_at_a_time_through_one_shared_timestamp(staff_client):
    collector = CollectorFactory()
    insert_events([(collector.pk, "SAME1", at(2026, 11, 20, 12))] * 120)
    url = "/events/?" + "start=2026-11-20&end=2026-11-20"

    seen, sizes = [], []
    while url:
        response = staff_client.get(url)
        sizes.append(len(response.context["page"].events))
        seen.extend(event.id for event in response.context["page"].events)
        url = response.context.get("next_url")
    back_url = response.context["previous_url"]
    back = staff_client.get(back_url)

    assert sizes == [50, 50, 20]
    assert len(set(seen)) == 120
    assert seen == sorted(seen, reverse=True)
    assert [event.id for event in back.context["page"].events] == seen[50:100]
    assert cursor_of(back_url).direction == "prev"


def test_first_page_has_no_previous_and_last_page_no_next(staff_client):
    collector = CollectorFactory()
    insert_events([(collector.pk, "ONE1", at(2026, 11, 20, 12))] * 3)
    response = staff_client.get("/events/", {"start": "2026-11-20", "end": "2026-11-20"})
    assert "next_url" not in response.context
    assert "previous_url" not in response.context
    assert b"No events match" not in response.content


def test_page_links_keep_the_resolved_default_window(staff_client, time_machine):
    time_machine.move_to(NOW, tick=False)
    collector = CollectorFactory()
    insert_events([(collector.pk, "WIN1", NOW - dt.timedelta(hours=1))] * 51)

    response = staff_client.get("/events/", {"plate": "win1"})

    query = parse_qs(urlsplit(response.context["next_url"]).query)
    assert query["start"] == ["2026-11-21T07:05:30"]
    assert query["end"] == ["2026-11-28T07:05:30"]
    assert query["plate"] == ["WIN1"]


# --- the page ------------------------------------------------------------------------------------------


def test_events_page_needs_a_login(client):
    response = client.get("/events/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_any_logged_in_staff_user_sees_the_page_with_utc_stated(staff_client):
    response = staff_client.get("/events/")
    assert response.status_code == 200
    assert b"UTC" in response.content
    assert b"No events match" in response.content


def test_rows_show_site_name_and_link_plate_and_collector_searches_in_the_same_window(staff_client):
    collector = CollectorFactory(site_name="North Gate")
    insert_events(collector_id=collector.pk, plate_number="LNK1", captured_at=at(2026, 11, 20, 12, 30, 5))

    response = staff_client.get("/events/", {"plate": "LNK*", "start": "2026-11-19", "end": "2026-11-21"})
    row = response.context["rows"][0]
    html = response.content.decode()

    assert "North Gate" in html
    assert "2026-11-20 12:30:05" in html
    assert parse_qs(urlsplit(row.plate_url).query) == {
        "plate": ["LNK1"],
        "start": ["2026-11-19"],
        "end": ["2026-11-21"],
    }
    assert parse_qs(urlsplit(row.collector_url).query) == {
        "collector": [str(collector.pk)],
        "start": ["2026-11-19"],
        "end": ["2026-11-21"],
    }
    assert staff_client.get(row.collector_url).context["rows"][0].event.plate_number == "LNK1"


def test_collector_filter_narrows_to_its_events(staff_client):
    north, south = CollectorFactory(), CollectorFactory()
    when = at(2026, 11, 20, 12)
    insert_events([(north.pk, "NRTH1", when), (south.pk, "STH1", when)])
    response = staff_client.get("/events/", {"collector": str(south.pk), "start": "2026-11-20"})
    assert [event.plate_number for event in response.context["page"].events] == ["STH1"]


def test_row_marks_plates_on_active_watchlists_only_naming_and_linking_them_to_editors(staff_client):
    collector = CollectorFactory()
    when = at(2026, 11, 20, 12)
    insert_events([(collector.pk, plate, when) for plate in ("WATCH1", "GONE1", "LISTGONE1", "FREE1")])
    WatchlistEntryFactory(plate_number="WATCH1", watchlist=WatchlistFactory(name="Stolen"))
    WatchlistEntryFactory(plate_number="GONE1", is_deleted=True, deleted_at=when)
    WatchlistEntryFactory(
        plate_number="LISTGONE1", watchlist=WatchlistFactory(is_deleted=True, deleted_at=when)
    )

    response = staff_client.get("/events/", {"start": "2026-11-20", "end": "2026-11-20"})
    rows = {row.event.plate_number: row for row in response.context["rows"]}

    assert rows["WATCH1"].watchlist_names == ["Stolen"]
    assert (
        rows["GONE1"].watchlist_names
        == rows["LISTGONE1"].watchlist_names
        == rows["FREE1"].watchlist_names
        == []
    )
    html = response.content.decode()
    assert html.count("On watchlist") == 1
    # A user who may not see watchlists gets a plain mark: no watchlist name, no link that would answer 403.
    assert "Stolen" not in html
    assert "/watchlists/" not in html

    staff_client.force_login(UserFactory(groups=["Watchlist editors"]))
    html = staff_client.get("/events/", {"start": "2026-11-20", "end": "2026-11-20"}).content.decode()
    assert 'href="/watchlists/?q=WATCH1"' in html
    assert ">Stolen<" in html
    assert "/watchlists/?q=FREE1" not in html


def test_empty_result_says_so(staff_client):
    response = staff_client.get("/events/", {"plate": "NOBODY1", "start": "2026-11-01"})
    assert response.status_code == 200
    assert b"No events match" in response.content


# --- cost ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [3, 80])
def test_queries_per_page_are_fixed_for_any_number_of_rows(staff_client, django_assert_num_queries, rows):
    collectors = [CollectorFactory() for _ in range(4)]
    when = at(2026, 11, 20, 12)
    insert_events([(collectors[n % 4].pk, f"Q{n}", when - dt.timedelta(minutes=n)) for n in range(rows)])
    for n in range(0, rows, 2):
        WatchlistEntryFactory(plate_number=f"Q{n}")
    data = {"start": "2026-11-19", "end": "2026-11-20", "collector": str(collectors[0].pk)}

    # session, user, the nav's two permission reads, collector lookup, collector choices,
    # events, their collectors (prefetched), watchlists, the access log's record (in a savepoint here)
    with django_assert_num_queries(12):
        response = staff_client.get("/events/", data)

    assert len(response.context["rows"]) == min(rows // 4 + (rows % 4 > 0), 50)


def test_no_query_counts_rows(staff_client):
    collector = CollectorFactory()
    insert_events([(collector.pk, "CNT1", at(2026, 11, 20, 12))] * 60)
    with CaptureQueriesContext(connection) as queries:
        first = staff_client.get("/events/", {"start": "2026-11-20", "end": "2026-11-20"})
        staff_client.get(first.context["next_url"])
    statements = [query["sql"].lower() for query in queries.captured_queries]
    assert any('from "events"' in sql for sql in statements)
    assert not [sql for sql in statements if re.search(r"\bcount\s*\(", sql)]


def plan_relations(plan: dict, *, executed_only: bool) -> set[str]:
    """Return the relations in a plan: all that survived pruning, or only those read at least once."""
    found = set()
    if "Relation Name" in plan and (not executed_only or plan.get("Actual Loops", 0) > 0):
        found.add(plan["Relation Name"])
    for child in plan.get("Plans", []):
        found |= plan_relations(child, executed_only=executed_only)
    return found


def is_events_partition(relation: str) -> bool:
    """Tell a partition of `events` from the other relations a search reads (`events_held`)."""
    return relation.startswith("events") and relation != "events_held"


def executed_plan(queryset) -> dict:
    return json.loads(queryset.explain(format="json", analyze=True))[0]["Plan"]


@pytest.mark.parametrize(
    ("start_at", "end_at", "months"),
    [
        (at(2026, 11, 10), at(2026, 11, 17), {"events_2026_11"}),
        (at(2026, 10, 28), at(2026, 11, 4), {"events_2026_10", "events_2026_11"}),
    ],
)
def test_one_week_window_reads_at_most_two_monthly_partitions(monthly_partitions, start_at, end_at, months):
    collector = CollectorFactory()
    insert_hourly_events(collector_id=collector.pk, start=at(2026, 9, 1), end=at(2026, 12, 31, 23))
    insert_events(collector_id=collector.pk, plate_number="DFLT1", captured_at=at(2027, 3, 1))  # DEFAULT
    criteria = EventCriteria(start_at=start_at, end_at=end_at)
    first = event_page(criteria=criteria, page_size=5)

    plans = {
        "first page": executed_plan(event_search_queryset(criteria=criteria, limit=6)),
        "next page": executed_plan(
            event_search_queryset(criteria=criteria, cursor=first.next_cursor, limit=6)
        ),
        "by plate": executed_plan(
            event_search_queryset(criteria=replace(criteria, plate=PlateQuery("HRLY1", False)), limit=6)
        ),
        "by collector": executed_plan(
            event_search_queryset(criteria=replace(criteria, collector_id=collector.pk), limit=6)
        ),
    }

    for name, plan in plans.items():
        planned = {table for table in plan_relations(plan, executed_only=False) if is_events_partition(table)}
        read = {table for table in plan_relations(plan, executed_only=True) if is_events_partition(table)}
        assert planned == months, name  # the other months and DEFAULT were pruned before execution
        assert read and read <= months, name


def rows_read(plan: dict) -> int:
    """Return how many rows the scans of `events` partitions produced or filtered out."""
    read = 0
    if plan.get("Relation Name", "").startswith("events"):
        read += plan.get("Actual Rows", 0) * plan.get("Actual Loops", 0) + plan.get(
            "Rows Removed by Filter", 0
        )
    return read + sum(rows_read(child) for child in plan.get("Plans", []))


def test_a_deep_page_reads_as_few_rows_as_the_first(monthly_partitions):
    collector = CollectorFactory()
    insert_hourly_events(collector_id=collector.pk, start=at(2026, 9, 1), end=at(2026, 12, 31, 23))
    criteria = EventCriteria(start_at=at(2026, 9, 1), end_at=at(2027, 1, 1))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE events")
    deep = EventCursor("next", at(2026, 10, 15, 5), 2**62)  # about 1,860 rows into the window

    first = executed_plan(event_search_queryset(criteria=criteria, limit=6))
    deep_plan = executed_plan(event_search_queryset(criteria=criteria, cursor=deep, limit=6))

    assert rows_read(first) <= 7
    assert rows_read(deep_plan) <= 7
    assert plan_relations(deep_plan, executed_only=True) & set(monthly_partitions) == {"events_2026_10"}
