"""Test-session set-up: real PostgreSQL and Valkey, embedded unless DATABASE_URL / REDIS_URL are set."""

import os

import pytest
from django.db import connection

from chaverim_admin.devstack import servers

_started = []

PLATFORM_TABLES = ("events", "audit_log", "watchlist_entries", "watchlists", "collectors")


def pytest_sessionstart(session):
    # Settings already point at the embedded servers' private sockets when the URLs are unset;
    # start them (or join the ones `make run` started) before the first connection is made.
    if not os.environ.get("DATABASE_URL"):
        postgres = servers.EmbeddedPostgres()
        postgres.acquire()
        _started.append(postgres)
    if not os.environ.get("REDIS_URL"):
        valkey = servers.EmbeddedValkey()
        valkey.acquire()
        _started.append(valkey)


def pytest_sessionfinish(session, exitstatus):
    from django.db import connections

    connections.close_all()
    while _started:
        _started.pop().release()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Let several test runs share one server: TEST_DB_SUFFIX gives each its own test database."""
    from django.conf import settings

    suffix = os.environ.get("TEST_DB_SUFFIX")
    if suffix:
        test = settings.DATABASES["default"].setdefault("TEST", {})
        test["NAME"] = f"{test.get('NAME') or 'test_' + settings.DATABASES['default']['NAME']}_{suffix}"


@pytest.fixture(autouse=True)
def _plain_http(settings):
    """Serve the test client over plain HTTP: production settings would redirect it to HTTPS."""
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture
def clean_platform_tables(transactional_db):
    """Empty the unmanaged platform tables after a transactional test (Django's flush skips them)."""
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(PLATFORM_TABLES)} RESTART IDENTITY CASCADE")
