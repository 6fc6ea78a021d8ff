"""Test-session set-up: real PostgreSQL and Valkey, embedded unless DATABASE_URL / REDIS_URL are set."""

import os

import pytest
from django.db import connection, transaction

from chaverim_admin.devstack.postgres import EmbeddedPostgres
from chaverim_admin.devstack.valkey import EmbeddedValkey
from tests.support import db_roles

_started = []

PLATFORM_TABLES = (
    "events",
    "events_held",
    "audit_log",
    "alert_queue",
    "watchlist_entries",
    "watchlists",
    "collectors",
)
AUDIT_CHAIN_RESET = (
    "TRUNCATE audit_chain_anchor, audit_chain_retired, audit_chain_head; "
    "UPDATE audit_chain_lock SET xact = 0, base = 0; "
    "INSERT INTO audit_chain_head (position, hash) VALUES (0, decode(repeat('00', 32), 'hex'))"
)


def pytest_sessionstart(session):
    # Settings already point at the embedded servers' private sockets when the URLs are unset;
    # start them (or join the ones `make run` started) before the first connection is made.
    if not os.environ.get("DATABASE_URL"):
        postgres = EmbeddedPostgres()
        postgres.acquire()
        _started.append(postgres)
    if not os.environ.get("REDIS_URL"):
        valkey = EmbeddedValkey()
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
    # Production waits 3 s for a pooled connection, so that a database outage answers 503 quickly (the fault
    # tests check that in their own processes). On a loaded 2-core CI machine, replacing connections the
    # server ended after DB_POOL_MAX_IDLE can take longer: this process waits longer instead of failing.
    pool = settings.DATABASES["default"].get("OPTIONS", {}).get("pool")
    if isinstance(pool, dict):
        pool["timeout"] = 30
    # The web runs as an app role (tests/support/db_roles.py): migrate grants it its privileges.
    db_roles.app_role_create(connection.get_connection_params())
    settings.DB_APP_ROLE = db_roles.TEST_APP_ROLE


@pytest.fixture(scope="session", autouse=True)
def _web_requests_as_app_role():
    """Run every web request's statements as the app role, so that a missing grant fails its test."""
    hook = db_roles.WebRequestsAsRole()
    hook.connect()
    yield
    hook.disconnect()


@pytest.fixture(autouse=True)
def _plain_http(settings):
    """Serve the test client over plain HTTP: production settings would redirect it to HTTPS."""
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture
def clean_platform_tables(transactional_db):
    """Empty the unmanaged platform tables after a transactional test (Django's flush skips them)."""
    yield
    # As the owner, with the maintenance flag: the write-once triggers refuse TRUNCATE otherwise.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL chaverim.partition_maintenance = 'on'")
        cursor.execute(f"TRUNCATE {', '.join(PLATFORM_TABLES)} RESTART IDENTITY CASCADE")
        # The audit log's hash chain starts again with it: no anchors, the head back at position 0.
        cursor.execute(AUDIT_CHAIN_RESET)
