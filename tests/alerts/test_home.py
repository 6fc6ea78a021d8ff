"""The home page's Alerts card: the hits waiting longest in the queue, for those who may see alerts."""

import pytest

from tests.alerts.conftest import at
from tests.factories import UserFactory, WatchlistEntryFactory, insert_alerts

pytestmark = pytest.mark.django_db


def test_editors_see_the_hits_waiting_longest_oldest_first(editor_client, collector):
    for n, plate in enumerate(["OLD1", "MID1", "NEW1"]):
        insert_alerts(
            entry=WatchlistEntryFactory(plate_number=plate), collector_id=collector.pk, created_at=at(30 - n)
        )
    insert_alerts(entry=WatchlistEntryFactory(plate_number="DONE1"), status="sent", created_at=at(60))

    html = editor_client.get("/").content.decode()

    assert 'href="/alerts/">Alerts</a>' in html
    assert html.index("OLD1") < html.index("MID1") < html.index("NEW1")
    assert "DONE1" not in html
    assert 'href="/alerts/?status=queued"' in html


def test_an_empty_queue_says_so(editor_client):
    assert "No watchlist hit is waiting in the queue." in editor_client.get("/").content.decode()


def test_users_who_may_not_see_alerts_get_no_card(client):
    client.force_login(UserFactory(groups=["Operations"]))
    assert 'href="/alerts/"' not in client.get("/").content.decode()
