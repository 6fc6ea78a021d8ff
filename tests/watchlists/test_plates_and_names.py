"""Plates are stored normalized on every write path; names and reasons refuse control characters."""

import datetime as dt

import pytest
from django.urls import reverse

from events.selectors import EventCriteria, PlateQuery, event_page
from tests.factories import CollectorFactory, WatchlistEntryFactory, WatchlistFactory, insert_events
from watchlists.models import Watchlist, WatchlistEntry

pytestmark = pytest.mark.django_db

ENTRY_ADD = reverse("admin:watchlists_watchlistentry_add")
WATCHLIST_ADD = reverse("admin:watchlists_watchlist_add")


def _inline_data(name, plates, reason=""):
    data = {
        "name": name,
        "description": "",
        "entries-TOTAL_FORMS": str(len(plates)),
        "entries-INITIAL_FORMS": "0",
        "entries-MIN_NUM_FORMS": "0",
        "entries-MAX_NUM_FORMS": "1000",
    }
    for index, plate in enumerate(plates):
        data[f"entries-{index}-plate_number"] = plate
        data[f"entries-{index}-reason"] = reason
    return data


def test_a_plate_added_in_the_entry_admin_is_stored_normalized_and_matches_events(editor_client):
    watchlist = WatchlistFactory(name="Stolen")

    response = editor_client.post(
        ENTRY_ADD, {"watchlist": str(watchlist.pk), "plate_number": "demo-1342", "reason": "x"}
    )

    assert response.status_code == 302
    assert list(WatchlistEntry.objects.values_list("plate_number", flat=True)) == ["DEMO1342"]
    collector = CollectorFactory()
    insert_events(collector_id=collector.pk, plate_number="DEMO1342")
    page = event_page(criteria=_all_time(PlateQuery(value="DEMO1342", is_prefix=False)))
    assert page.watchlists_by_plate == {"DEMO1342": ["Stolen"]}


def _all_time(plate):
    now = dt.datetime.now(dt.UTC)
    return EventCriteria(start_at=now - dt.timedelta(days=30), end_at=now + dt.timedelta(days=1), plate=plate)


def test_the_same_plate_in_another_form_is_a_duplicate_in_the_entry_admin(editor_client):
    entry = WatchlistEntryFactory(plate_number="DEMO1342")

    response = editor_client.post(
        ENTRY_ADD, {"watchlist": str(entry.watchlist_id), "plate_number": "demo 1342", "reason": ""}
    )

    assert response.status_code == 200
    assert "This plate is already on the watchlist." in response.content.decode()
    assert WatchlistEntry.objects.count() == 1


def test_inline_plates_are_normalized_and_a_duplicate_in_another_form_is_refused(editor_client):
    twice = editor_client.post(WATCHLIST_ADD, _inline_data("Twice", ["demo-1", "DEMO 1"]))
    once = editor_client.post(WATCHLIST_ADD, _inline_data("Once", ["ab-12 c"]))

    assert twice.status_code == 200
    assert "This plate is already in this form." in twice.content.decode()
    assert once.status_code == 302
    assert list(WatchlistEntry.objects.values_list("plate_number", flat=True)) == ["AB12C"]


def test_an_inline_plate_clashing_with_a_stored_one_in_another_form_is_a_form_error(editor_client):
    entry = WatchlistEntryFactory(plate_number="DEMO1342")
    url = reverse("admin:watchlists_watchlist_change", args=[entry.watchlist_id])

    response = editor_client.post(
        url, _inline_data(entry.watchlist.name, ["demo-1342"]) | {"entries-INITIAL_FORMS": "0"}
    )

    assert response.status_code == 200
    assert "This plate is already on the watchlist." in response.content.decode()


@pytest.mark.parametrize("plate", ["DEMO*1", "DEMÖ1", "A" * 21, "--", "\x01AB"])
def test_a_plate_that_cannot_be_normalized_is_refused(editor_client, plate):
    watchlist = WatchlistFactory()

    response = editor_client.post(
        ENTRY_ADD, {"watchlist": str(watchlist.pk), "plate_number": plate, "reason": ""}
    )

    assert response.status_code == 200
    assert "plate_number" in response.context["adminform"].form.errors
    assert not WatchlistEntry.objects.exists()


def test_any_save_stores_the_plate_normalized():
    entry = WatchlistEntryFactory(plate_number=" ab-c 12 ")

    assert WatchlistEntry.objects.get(pk=entry.pk).plate_number == "ABC12"


@pytest.mark.parametrize("name", ["Bad\x01name", "Bell\x07", "Del\x7f", "Two\nlines"])
def test_watchlist_names_with_control_characters_are_refused(editor_client, name):
    response = editor_client.post(WATCHLIST_ADD, _inline_data(name, []))

    assert response.status_code == 200
    assert "name" in response.context["adminform"].form.errors
    assert not Watchlist.objects.exists()


@pytest.mark.parametrize("reason", ["Seen\x01", "Esc\x1b[31m"])
def test_entry_reasons_with_control_characters_are_refused_but_line_breaks_are_kept(editor_client, reason):
    watchlist = WatchlistFactory()

    refused = editor_client.post(
        ENTRY_ADD, {"watchlist": str(watchlist.pk), "plate_number": "AB1", "reason": reason}
    )
    inline = editor_client.post(WATCHLIST_ADD, _inline_data("Inline", ["CD2"], reason=reason))
    kept = editor_client.post(
        ENTRY_ADD, {"watchlist": str(watchlist.pk), "plate_number": "EF3", "reason": "Seen twice\r\nat night"}
    )

    assert refused.status_code == 200
    assert "reason" in refused.context["adminform"].form.errors
    assert inline.status_code == 200
    assert kept.status_code == 302
    assert list(WatchlistEntry.objects.values_list("plate_number", flat=True)) == ["EF3"]
