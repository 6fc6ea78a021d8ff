"""/alerts/: recent watchlist hits, queued first then newest first, filtered, keyset pages, no COUNT."""

import re
import uuid
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alerts.selectors import AlertCriteria, AlertCursor, alert_page
from tests.alerts.conftest import NOW, at
from tests.factories import CollectorFactory, UserFactory, WatchlistEntryFactory, insert_alerts

pytestmark = pytest.mark.django_db

STATUSES = ["queued", "sent", "failed", "acknowledged"]


def _ids(response) -> list[int]:
    return [row.alert.id for row in response.context["rows"]]


def _mixed(entry, collector, count: int) -> list[tuple[int, object]]:
    """`count` hits a minute apart, newest first, cycling through the four statuses."""
    return insert_alerts(
        [{"created_at": at(n), "status": STATUSES[n % 4]} for n in range(count)],
        entry=entry,
        collector_id=collector.pk,
    )


# --- what the page shows ------------------------------------------------------------------------------


def test_a_hit_shows_its_watchlist_entry_plate_collector_times_and_status(editor_client, entry, collector):
    processed = at(1)
    insert_alerts(
        entry=entry, collector_id=collector.pk, created_at=at(5), status="sent", processed_at=processed
    )

    response = editor_client.get("/alerts/")

    assert response.status_code == 200
    row = re.search(r'<table id="alerts">.*?<tbody>(.*?)</tbody>', response.content.decode(), re.S).group(1)
    for expected in ("Sent", "HIT123", "Stolen vehicles", "Stolen in October", "North Gate"):
        assert expected in row
    assert "2026-11-20 11:55:00" in row and "2026-11-20 11:59:00" in row
    assert f'href="/watchlists/{entry.watchlist_id}/"' in row


def test_queued_hits_come_first_then_the_newest(editor_client, entry, collector):
    keys = _mixed(entry, collector, 8)  # n = 0 and 4 queued; the rest sent, failed, acknowledged

    ids = _ids(editor_client.get("/alerts/"))

    by_minute = [key[0] for key in keys]
    assert ids == [by_minute[0], by_minute[4], by_minute[1], by_minute[2], by_minute[3], *by_minute[5:]]


def test_a_hit_whose_collector_or_watchlist_entry_is_gone_is_still_shown(editor_client, entry):
    ghost = SimpleNamespace(pk=uuid.uuid4(), watchlist_id=uuid.uuid4(), plate_number="GONE1")
    collector_id = uuid.uuid4()
    insert_alerts(entry=ghost, collector_id=collector_id, created_at=at(1))

    html = editor_client.get("/alerts/").content.decode()

    assert "GONE1" in html
    assert f"unknown collector {collector_id}" in html
    assert f"unknown watchlist {ghost.watchlist_id}" in html
    assert "unknown entry" in html


def test_an_acknowledged_hit_has_no_acknowledge_button(editor_client, entry, collector):
    insert_alerts(entry=entry, collector_id=collector.pk, status="acknowledged", processed_at=at(0))

    html = editor_client.get("/alerts/").content.decode()

    assert "Acknowledged" in html
    assert 'action="/alerts/acknowledge/"' not in html


def test_nothing_to_show_says_so(editor_client):
    response = editor_client.get("/alerts/")
    assert response.status_code == 200
    assert b"No alerts match" in response.content


# --- filters ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", STATUSES)
def test_the_status_filter_shows_only_that_status(editor_client, entry, collector, status):
    keys = _mixed(entry, collector, 12)

    response = editor_client.get("/alerts/", {"status": status})

    expected = [key[0] for n, key in enumerate(keys) if STATUSES[n % 4] == status]
    assert _ids(response) == expected
    assert {row.alert.status for row in response.context["rows"]} == {status}


def test_the_plate_filter_is_normalized_as_plates_are_stored(editor_client, collector):
    wanted = WatchlistEntryFactory(plate_number="AB12CD")
    other = WatchlistEntryFactory(plate_number="AB12")
    (hit,) = insert_alerts(entry=wanted, collector_id=collector.pk)
    insert_alerts(entry=other, collector_id=collector.pk)

    response = editor_client.get("/alerts/", {"plate": " ab-12 cd "})

    assert _ids(response) == [hit[0]]
    assert 'name="status"' in response.content.decode()
    assert "cursor" not in (response.context.get("next_url") or "")


def test_the_collector_filter_shows_only_that_collectors_hits(editor_client, entry, collector):
    elsewhere = CollectorFactory(site_name="South Gate")
    (here,) = insert_alerts(entry=entry, collector_id=collector.pk)
    insert_alerts(entry=entry, collector_id=elsewhere.pk)

    response = editor_client.get("/alerts/", {"collector": str(collector.pk)})

    assert _ids(response) == [here[0]]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"plate": "AB*12"}, "plate"),
        ({"plate": "X" * 21}, "plate"),
        ({"status": "deleted"}, "status"),
        ({"collector": "not-a-uuid"}, "collector"),
        ({"collector": str(uuid.uuid4())}, "collector"),
    ],
)
def test_a_bad_filter_is_a_form_error_not_a_failure(editor_client, entry, params, field):
    insert_alerts(entry=entry)

    response = editor_client.get("/alerts/", params)

    assert response.status_code == 200
    assert f'id="id_{field}_error"' in response.content.decode()
    assert response.context["rows"] == []


# --- keyset pages -------------------------------------------------------------------------------------


def test_next_and_previous_walk_every_hit_once_in_order_without_counting(editor_client, entry, collector):
    keys = _mixed(entry, collector, 130)
    queued = [key[0] for n, key in enumerate(keys) if n % 4 == 0]
    others = [key[0] for n, key in enumerate(keys) if n % 4]

    pages, url = [], "/alerts/"
    with CaptureQueriesContext(connection) as queries:
        while url:
            response = editor_client.get(url)
            pages.append(_ids(response))
            url = response.context["next_url"]

    assert [len(page) for page in pages] == [50, 50, 30]
    assert [alert_id for page in pages for alert_id in page] == queued + others
    assert not any("count(" in query["sql"].lower() for query in queries.captured_queries)
    # Back from the last page: the same pages, in reverse.
    back = editor_client.get(response.context["previous_url"])
    assert _ids(back) == pages[1]
    assert _ids(editor_client.get(back.context["previous_url"])) == pages[0]
    assert editor_client.get(back.context["previous_url"]).context["previous_url"] is None


def test_page_links_keep_the_filters(editor_client, entry, collector):
    insert_alerts(
        [{"created_at": at(n)} for n in range(60)], entry=entry, collector_id=collector.pk, status="sent"
    )

    first = editor_client.get("/alerts/", {"status": "sent", "plate": "hit-123"})
    second = editor_client.get(first.context["next_url"])

    assert "status=sent" in first.context["next_url"] and "plate=HIT123" in first.context["next_url"]
    assert len(_ids(second)) == 10
    assert set(_ids(first)).isdisjoint(_ids(second))


@pytest.mark.parametrize("token", ["garbage", "x" * 500, AlertCursor("sideways", 0, NOW, 1).encode()])
def test_a_damaged_page_link_shows_the_first_page(editor_client, entry, collector, token):
    keys = _mixed(entry, collector, 3)

    response = editor_client.get("/alerts/", {"cursor": token})

    assert response.status_code == 200
    assert _ids(response) == [keys[0][0], keys[1][0], keys[2][0]]
    assert b"That page link was not valid" in response.content


@pytest.mark.parametrize(
    ("status", "direction", "rank"), [("queued", "next", 1), ("sent", "prev", 0), ("failed", "prev", 0)]
)
def test_a_cursor_from_the_half_the_status_filter_hides_shows_the_first_page(
    editor_client, entry, collector, status, direction, rank
):
    # Every half lies behind such a cursor (a stale or edited link): this was an IndexError, a 500.
    _mixed(entry, collector, 8)
    token = AlertCursor(direction, rank, NOW, 5).encode()

    response = editor_client.get("/alerts/", {"status": status, "cursor": token})

    assert response.status_code == 200
    assert len(_ids(response)) == 2
    assert all(row.alert.status == status for row in response.context["rows"])
    assert b"That page link was not valid" in response.content


def test_the_selector_gives_an_empty_page_beyond_every_half():
    cursor = AlertCursor("next", 1, NOW, 5)
    page = alert_page(criteria=AlertCriteria(status="queued"), cursor=cursor)
    assert page.alerts == [] and page.next_cursor is None


def test_the_page_says_acknowledging_a_queued_hit_cancels_its_dispatch(editor_client):
    response = editor_client.get("/alerts/")
    assert b"takes it out of dispatch" in response.content


def test_cursor_round_trips_and_refuses_what_it_did_not_issue():
    cursor = AlertCursor("next", 1, NOW, 42)
    assert AlertCursor.decode(cursor.encode()) == cursor
    for bad in (
        AlertCursor("next", 2, NOW, 42),
        AlertCursor("next", 0, NOW, 0),
        AlertCursor("next", 0, NOW, 2**63),
    ):
        assert AlertCursor.decode(bad.encode()) is None
    assert AlertCursor.decode("eyJkIjoibmV4dCJ9") is None  # {"d":"next"}


# --- who may see it -----------------------------------------------------------------------------------


@pytest.mark.parametrize("groups", [[], ["Operations", "Collector admins", "Auditors", "Legal"]])
def test_staff_without_the_permission_get_403(client, groups):
    client.force_login(UserFactory(groups=groups))
    assert client.get("/alerts/").status_code == 403


def test_a_user_who_may_only_view_sees_no_acknowledge_button(client, entry, collector):
    viewer = UserFactory()
    viewer.user_permissions.add(
        Permission.objects.get(content_type__app_label="alerts", codename="view_alert")
    )
    client.force_login(viewer)
    insert_alerts(entry=entry, collector_id=collector.pk)

    html = client.get("/alerts/").content.decode()

    assert "HIT123" in html
    assert 'action="/alerts/acknowledge/"' not in html


def test_the_page_needs_a_staff_login(client):
    response = client.get("/alerts/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    client.force_login(UserFactory(is_staff=False, groups=["Watchlist editors"]))
    assert client.get("/alerts/").status_code == 403
