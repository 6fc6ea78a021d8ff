"""A database failure in the middle of a change answers 503 and leaves nothing half-written."""

import psycopg
import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test import Client

from collectors.models import Collector
from tests.factories import CollectorFactory, UserFactory, WatchlistEntryFactory
from watchlists.models import Watchlist, WatchlistEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def audit_log_locked():
    """Hold the audit log from another session, so that a change's audit row cannot be written."""
    with connection.cursor() as cursor:
        # SET (not SET LOCAL) lasts until the test's transaction is rolled back, then reverts.
        cursor.execute("SET lock_timeout = '300ms'")
    blocker = psycopg.connect(**connection.get_connection_params(), autocommit=False)
    try:
        blocker.execute("LOCK TABLE audit_log IN ACCESS EXCLUSIVE MODE")
        yield
    finally:
        blocker.rollback()
        blocker.close()


@pytest.fixture
def browser_client():
    # As a browser sees it: the error page, not the exception re-raised into the test.
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(is_superuser=True))
    return client


def test_watchlist_delete_that_cannot_be_audited_answers_503_and_deletes_nothing(
    browser_client, audit_log_locked
):
    entry = WatchlistEntryFactory()
    log_entries = LogEntry.objects.count()

    response = browser_client.post(f"/watchlists/{entry.watchlist_id}/delete/")

    assert response.status_code == 503
    assert b"The database is not reachable" in response.content
    assert not Watchlist.all_objects.get(pk=entry.watchlist_id).is_deleted
    assert not WatchlistEntry.all_objects.get(pk=entry.pk).is_deleted
    assert LogEntry.objects.count() == log_entries


def test_collector_edit_that_cannot_be_audited_answers_503_and_changes_nothing(
    browser_client, audit_log_locked
):
    collector = CollectorFactory(site_name="North gate", config={"fps": 15})

    response = browser_client.post(
        f"/collectors/{collector.pk}/edit/",
        {"site_name": "South gate", "config": '{"fps": 30}', "config_version": "1"},
    )

    assert response.status_code == 503
    row = Collector.objects.get(pk=collector.pk)
    assert (row.site_name, row.config, row.config_version) == ("North gate", {"fps": 15}, 1)
