"""bench/alerts.py counts the Alerts page's queries at two sizes, and leaves no hit behind."""

import pytest

from alerts.models import Alert
from bench.alerts import alerts_page_queries
from tests.factories import CollectorFactory, UserFactory, WatchlistEntryFactory, insert_alerts

pytestmark = pytest.mark.django_db


def test_the_bench_counts_equal_queries_at_both_sizes_and_cleans_up(client):
    client.force_login(UserFactory(is_superuser=True))
    CollectorFactory.create_batch(3)
    entries = WatchlistEntryFactory.create_batch(4)
    insert_alerts(entry=entries[0])  # someone else's hit: kept

    counts = alerts_page_queries(client, small=10, large=300)

    assert counts["alerts_page_queries_small"] == counts["alerts_page_queries_large"]
    assert counts["alerts_page_queries_small"] > 0
    assert Alert.objects.count() == 1


def test_the_bench_says_what_it_lacks(client):
    client.force_login(UserFactory(is_superuser=True))
    with pytest.raises(RuntimeError, match="no collector or no active watchlist entry"):
        alerts_page_queries(client)
