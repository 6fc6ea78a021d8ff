"""The Alerts page costs a fixed number of queries, whatever the number of hits."""

import pytest

from tests.alerts.conftest import at
from tests.factories import CollectorFactory, WatchlistEntryFactory, insert_alerts

pytestmark = pytest.mark.django_db

# session, user, user permissions, group permissions, the page's hits (one UNION ALL), their watchlists,
# entries and collectors, the collector filter's choices
ALERTS_PAGE_QUERIES = 9


def _hits(count: int) -> list:
    """`count` hits in every status, over 5 collectors and 7 watchlist entries (each on its own list)."""
    collectors = CollectorFactory.create_batch(5)
    entries = WatchlistEntryFactory.create_batch(7)
    statuses = ["queued", "sent", "failed", "acknowledged"]
    insert_alerts(
        [
            {
                "entry": entries[n % 7],
                "collector_id": collectors[n % 5].pk,
                "created_at": at(n),
                "status": statuses[n % 4],
            }
            for n in range(count)
        ]
    )
    return entries


@pytest.mark.parametrize("count", [10, 1000])
@pytest.mark.parametrize("params", [{}, {"status": "queued"}, {"status": "sent", "plate": "an entry's"}])
def test_the_page_runs_the_same_queries_for_10_and_1000_hits(
    editor_client, django_assert_num_queries, count, params
):
    entries = _hits(count)
    if "plate" in params:
        params = {**params, "plate": entries[1].plate_number}  # on hits n = 1, 8, 15, …: some are sent

    with django_assert_num_queries(ALERTS_PAGE_QUERIES):
        response = editor_client.get("/alerts/", params)

    assert response.status_code == 200
    assert response.context["rows"]


@pytest.mark.parametrize("count", [10, 1000])
def test_a_later_page_costs_the_same(editor_client, django_assert_num_queries, count):
    _hits(count)
    first = editor_client.get("/alerts/", {"plate": ""})
    url = first.context["next_url"] or first.context["previous_url"] or "/alerts/?status="

    with django_assert_num_queries(ALERTS_PAGE_QUERIES):
        response = editor_client.get(url)

    assert response.context["rows"]
