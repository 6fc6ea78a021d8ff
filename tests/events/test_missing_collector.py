"""An event whose collector row is gone is still found and shown: evidence is never hidden."""

import datetime as dt
import uuid

import pytest

from events.selectors import EventCriteria, PlateQuery, event_collector_label, event_page
from tests.factories import CollectorFactory, UserFactory, insert_events

pytestmark = pytest.mark.django_db

WHEN = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
WINDOW = {
    "start_at": dt.datetime(2026, 11, 20, tzinfo=dt.UTC),
    "end_at": dt.datetime(2026, 11, 21, tzinfo=dt.UTC),
}


def test_search_keeps_an_event_whose_collector_row_is_missing():
    known = CollectorFactory(site_name="North gate")
    orphan_collector_id = uuid.uuid4()  # the FK has no constraint: no such collectors row
    insert_events([(known.pk, "ORPH1", WHEN), (orphan_collector_id, "ORPH1", WHEN - dt.timedelta(minutes=1))])

    page = event_page(criteria=EventCriteria(plate=PlateQuery("ORPH1", is_prefix=False), **WINDOW))

    assert [event.collector_id for event in page.events] == [known.pk, orphan_collector_id]
    assert [event_collector_label(event) for event in page.events] == [
        "North gate",
        f"unknown collector {orphan_collector_id}",
    ]


def test_events_page_shows_the_missing_collector_as_unknown_with_its_id(client):
    client.force_login(UserFactory())
    orphan_collector_id = uuid.uuid4()
    insert_events([(orphan_collector_id, "ORPH2", WHEN)])

    response = client.get(
        "/events/", {"plate": "ORPH2", "start": "2026-11-20", "end": "2026-11-20", "purpose": "Case review"}
    )

    assert response.status_code == 200
    assert len(response.context["rows"]) == 1
    assert f"unknown collector {orphan_collector_id}" in response.content.decode()
