"""Every POST needs a CSRF token; no GET changes anything."""

import re
import uuid

import pytest
from django.db import connection
from django.test import Client

from tests.factories import CollectorFactory, UserFactory, WatchlistEntryFactory, insert_events
from tests.security.urlwalk import walk_urls

pytestmark = pytest.mark.django_db

WALKED = walk_urls()

# Tables a GET may legitimately touch: the session (messages, login), and the audit chain's head and lock,
# which move with each access-log record a search or a look at /audit/ appends (left out of audit_log below).
NOT_COMPARED = {"django_session", "audit_chain_head", "audit_chain_lock"}
ACCESS_LOG_ACTIONS = ["events.search", "events.access_log_view", "events.access_log_export"]


@pytest.fixture
def superuser_client_enforcing_csrf():
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(is_superuser=True))
    return client


@pytest.mark.parametrize("url", WALKED, ids=lambda u: u.path)
def test_post_without_csrf_token_is_refused(superuser_client_enforcing_csrf, url):
    response = superuser_client_enforcing_csrf.post(url.path, {"name": "x"})

    assert response.status_code == 403
    assert b"CSRF" in response.content


def test_anonymous_post_to_the_login_form_needs_a_token():
    UserFactory(username="dana")

    response = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {"username": "dana", "password": "whatever"}
    )

    assert response.status_code == 403


def _database_fingerprint() -> dict[str, str]:
    """Return a checksum of every table's rows (and so of which partitions exist)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"
        )
        tables = [row[0] for row in cursor.fetchall() if row[0].split(".")[-1] not in NOT_COMPARED]
        fingerprint = {}
        for table in tables:
            access_log = table.split(".")[-1].startswith("audit_log")
            # Table names come from the catalog just above, already quoted.
            cursor.execute(
                f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} t"
                + (" WHERE NOT t.action = ANY(%s)" if access_log else ""),
                [ACCESS_LOG_ACTIONS] if access_log else None,
            )
            fingerprint[table] = cursor.fetchone()[0]
    return fingerprint


def _paths_with_real_objects(ids: list[str]) -> list[str]:
    paths = []
    for url in WALKED:
        found = re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", url.path)
        paths.append(url.path)
        if found:
            paths.extend(url.path.replace(found[0], object_id) for object_id in ids)
        if "/x/" in url.path and url.path.startswith("/admin/"):
            paths.extend(url.path.replace("/x/", f"/{object_id}/", 1) for object_id in ids)
    return paths


def test_no_get_request_changes_the_database():
    entry = WatchlistEntryFactory()
    deleted_entry = WatchlistEntryFactory(watchlist=entry.watchlist)
    collector = CollectorFactory()
    insert_events(collector_id=collector.id, plate_number="ABC123")
    client = Client()
    client.force_login(UserFactory(is_superuser=True))
    objects = [entry.watchlist_id, entry.id, deleted_entry.id, collector.id, uuid.uuid4()]
    ids = [str(object_id) for object_id in objects]
    before = _database_fingerprint()

    statuses = {path: client.get(path).status_code for path in _paths_with_real_objects(ids)}

    assert _database_fingerprint() == before
    assert 500 not in statuses.values(), [path for path, status in statuses.items() if status == 500]


def test_fingerprint_notices_a_change():
    before = _database_fingerprint()

    CollectorFactory()

    assert _database_fingerprint() != before
