"""/events/ finds rows kept by legal holds in `events_held` (months already retired) like any other row,
marked "held · case …", with keyset paging across both tables, the access log and the query budget intact."""

import datetime as dt
import re
import uuid

import pytest
from django.db import connection

from chaverim_admin.roles import LEGAL
from core.models import AuditLog
from events.access_log import SEARCH_ACTION
from events.selectors import EventCriteria, PlateQuery, event_page
from holds.models import Hold
from holds.services import hold_release
from tests.events.paging import pages_there_and_back
from tests.factories import CollectorFactory, UserFactory, insert_events

pytestmark = pytest.mark.django_db

UTC = dt.UTC
RETIRED_DAY = dt.datetime(2018, 3, 14, 12, tzinfo=UTC)  # far past 84 months of retention


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def hold_for(case: str, *, plate: str = "HELD001") -> Hold:
    return Hold.objects.create(
        case_number=case,
        reason="Court order",
        plate_number=plate,
        starts_at=at(2018, 1, 1),
        ends_at=at(2019, 1, 1),
        placed_by=UserFactory(),
        placed_at=at(2018, 6, 1),
    )


def insert_held(rows: list[tuple[int, uuid.UUID, str, dt.datetime]], holds: list[Hold]) -> None:
    """Write rows into events_held as the engine does when it retires their month (test set-up only)."""
    with connection.cursor() as cursor:
        for row_id, collector_id, plate, captured_at in rows:
            cursor.execute(
                "INSERT INTO events_held (id, collector_id, plate_number, captured_at, hold_ids) "
                "VALUES (%s, %s, %s, %s, %s)",
                [row_id, collector_id, plate, captured_at, [hold.pk for hold in holds]],
            )


@pytest.fixture
def searcher(client):
    client.force_login(UserFactory(username="searcher"))
    return client


@pytest.fixture
def lawyer(client):
    """A searcher who may see legal holds (group Legal), and so the cases keeping a row."""
    client.force_login(UserFactory(username="lawyer", groups=[LEGAL]))
    return client


SEARCH = {"plate": "HELD001", "start": "2018-03-01", "end": "2018-03-31", "purpose": "Case 2026-0042 review"}
CASE_BLIND = {**SEARCH, "purpose": "Routine review"}  # no case number in the page but the holds' own


def held_marks(html: str) -> list[str]:
    """Return the text of the "held" marks on the page, top to bottom."""
    return re.findall(r'<strong class="held"[^>]*>(.*?)</strong>', html, flags=re.S)


def test_a_held_row_of_a_retired_month_is_found_and_marked_with_its_cases(lawyer):
    collector = CollectorFactory(site_name="North gate")
    first, second = hold_for("2026-0042"), hold_for("2026-0007")
    insert_held([(41, collector.pk, "HELD001", RETIRED_DAY)], [first, second])
    insert_held([(42, collector.pk, "OTHER02", RETIRED_DAY)], [first])

    response = lawyer.get("/events/", SEARCH)

    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(row.event.id, row.event.plate_number) for row in rows] == [(41, "HELD001")]
    assert rows[0].held_cases == ["2026-0007", "2026-0042"]
    assert rows[0].collector_label == "North gate"
    html = response.content.decode()
    assert "held · case 2026-0007, 2026-0042" in html
    assert "2018-03-14 12:00:00" in html


def test_searchers_who_may_not_see_holds_learn_only_that_a_row_is_held(searcher):
    insert_held([(41, CollectorFactory().pk, "HELD001", RETIRED_DAY)], [hold_for("2026-0042")])

    html = searcher.get("/events/", CASE_BLIND).content.decode()

    assert held_marks(html) == ["held"]
    assert "2026-0042" not in html


def test_a_released_holds_case_is_not_shown_as_keeping_a_row(lawyer):
    """Until maintenance deletes it, a row kept only by released holds is "held" with no case."""
    collector = CollectorFactory()
    released, active = hold_for("2026-0042"), hold_for("2026-0007")
    insert_held([(41, collector.pk, "HELD001", RETIRED_DAY)], [released, active])
    insert_held([(42, collector.pk, "HELD001", RETIRED_DAY - dt.timedelta(hours=1))], [released])
    hold_release(hold_id=released.pk, released_by=UserFactory(), reason="Case closed")

    response = lawyer.get("/events/", CASE_BLIND)

    rows = response.context["rows"]
    assert [(row.event.id, row.held_cases) for row in rows] == [(41, ["2026-0007"]), (42, [])]
    html = response.content.decode()
    assert held_marks(html) == ["held · case 2026-0007", "held"]
    assert "2026-0042" not in html


def test_live_rows_are_not_marked_held(searcher):
    insert_events(plate_number="HELD001", captured_at=RETIRED_DAY)

    response = searcher.get("/events/", SEARCH)

    assert [row.held_cases for row in response.context["rows"]] == [None]
    assert "held · case" not in response.content.decode()


def test_held_rows_match_by_prefix_and_by_collector_and_stay_in_the_window():
    hold = hold_for("C-1")
    camera, other = CollectorFactory(), CollectorFactory()
    insert_held(
        [
            (1, camera.pk, "HELD001", RETIRED_DAY),
            (2, other.pk, "HELD002", RETIRED_DAY),
            (3, camera.pk, "HELD003", at(2018, 4, 1)),  # after the window
            (4, camera.pk, "ZZZ004", RETIRED_DAY),
        ],
        [hold],
    )
    window = {"start_at": at(2018, 3, 1), "end_at": at(2018, 4, 1)}

    by_prefix = event_page(criteria=EventCriteria(plate=PlateQuery("HELD", is_prefix=True), **window))
    by_collector = event_page(criteria=EventCriteria(collector_id=camera.pk, **window))

    assert sorted(event.id for event in by_prefix.events) == [1, 2]
    assert sorted(event.id for event in by_collector.events) == [1, 4]


def test_keyset_pages_run_across_live_and_held_rows_forward_and_back():
    hold = hold_for("C-1")
    collector = CollectorFactory()
    moments = [at(2018, 3, 14, hour) for hour in (12, 11, 10)]
    older = insert_events([(collector.pk, f"L{n}", moments[n % 3]) for n in range(6)])
    # Held ids between two batches of live ids: at one timestamp, rows of both tables alternate in id order.
    held = [(max(older) + 100 + n, collector.pk, f"H{n}", moments[n % 3]) for n in range(12)]
    insert_held(held, [hold])
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence('events', 'id'), %s)", [max(older) + 200])
    newer = insert_events([(collector.pk, f"N{n}", moments[n % 3]) for n in range(5)])
    live = [(moments[n % 3], row_id) for n, row_id in enumerate(older)]
    live += [(moments[n % 3], row_id) for n, row_id in enumerate(newer)]
    everything = sorted(live + [(row[3], row[0]) for row in held], reverse=True)
    criteria = EventCriteria(start_at=at(2018, 3, 14), end_at=at(2018, 3, 15))

    pages, backward = pages_there_and_back(criteria, page_size=5)
    forward = [position for rows in pages for position in rows]

    assert forward == everything
    assert [len(rows) for rows in pages] == [5, 5, 5, 5, 3]
    assert backward == pages[::-1]


def test_the_access_log_records_the_held_rows_shown(searcher):
    hold = hold_for("2026-0042")
    collector = CollectorFactory()
    insert_held(
        [(n, collector.pk, "HELD001", RETIRED_DAY - dt.timedelta(minutes=n)) for n in range(1, 4)], [hold]
    )
    insert_events(collector_id=collector.pk, plate_number="HELD001", captured_at=at(2018, 3, 20))

    searcher.get("/events/", SEARCH)

    entry = AuditLog.objects.get(action=SEARCH_ACTION)
    assert (entry.details["plate"], entry.details["rows"]) == ("HELD001", 4)
    assert entry.details["from"] == "2018-03-01T00:00:00+00:00"


def test_a_search_window_may_reach_back_before_the_retention_cutoff_but_stays_bounded(searcher, settings):
    settings.EVENTS_MAX_WINDOW_DAYS = 31
    hold = hold_for("C-1")
    insert_held([(7, CollectorFactory().pk, "HELD001", at(2010, 5, 5))], [hold])

    found = searcher.get("/events/", {**SEARCH, "start": "2010-05-01", "end": "2010-05-31"})
    too_wide = searcher.get("/events/", {**SEARCH, "start": "2010-01-01", "end": "2010-05-31"})

    assert [row.event.id for row in found.context["rows"]] == [7]
    assert "at most 31 days" in too_wide.content.decode()
    assert too_wide.context["rows"] == []


def test_held_rows_cost_no_extra_query(lawyer, django_assert_num_queries, settings):
    settings.EVENTS_REQUIRE_PURPOSE = False
    collectors = [CollectorFactory() for _ in range(3)]
    holds = [hold_for(f"C-{n}") for n in range(3)]
    insert_held([(n + 1, collectors[n % 3].pk, f"Q{n}", RETIRED_DAY) for n in range(40)], holds)
    insert_events([(collectors[n % 3].pk, f"Q{n}", RETIRED_DAY) for n in range(40)])
    data = {"start": "2018-03-14", "end": "2018-03-14"}

    # The same budget as a search of live rows only (tests/events/test_search.py): session, user, the
    # nav's two permission reads, collector choices, live and held events with their cases (one query),
    # their collectors, watchlists, the access log's record (savepoint, insert, release).
    with django_assert_num_queries(11):
        response = lawyer.get("/events/", data)

    assert len(response.context["rows"]) == 50
    held_shown = sum(row.held_cases is not None for row in response.context["rows"])
    assert held_shown >= 10
    assert len(re.findall("held · case C-0, C-1, C-2", response.content.decode())) == held_shown
