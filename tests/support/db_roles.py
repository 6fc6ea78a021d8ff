"""The web runs as an app role in tests, as in production, so that a missing grant fails a test.

The test database belongs to the superuser the tests connect as (the owner, here). A NOLOGIN cluster role
stands in for the app role: DB_APP_ROLE names it while pytest-django migrates the test database, so the
post_migrate grants are applied to it, and each web request (test client or live server) runs its statements
as that role: `SET ROLE` before the request's first statement, `RESET ROLE` when the request ends. Nothing is
opened for a request that touches no database (so /healthz still answers with the database down), and the
role switch runs on the raw connection, outside Django's query log and query-count budgets.
"""

import contextlib
import threading

import psycopg
from django.core.signals import request_finished, request_started
from django.db import DEFAULT_DB_ALIAS, close_old_connections, connections
from psycopg import sql as pgsql

TEST_APP_ROLE = "chaverim_test_app"

# Several test runs share the server: whichever creates the role first wins, the others find it there.
CREATE_ROLE = pgsql.SQL(
    "DO $$ BEGIN CREATE ROLE {role} NOLOGIN; "
    "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
)


def app_role_create(connection_params: dict, role: str = TEST_APP_ROLE) -> None:
    """Create the cluster role the web runs as in tests, unless it exists."""
    with psycopg.connect(**connection_params, autocommit=True) as conn:
        conn.execute(CREATE_ROLE.format(role=pgsql.Identifier(role)))


class WebRequestsAsRole:
    """While connected, run each web request's statements as `role`."""

    def __init__(self, role: str = TEST_APP_ROLE, using: str = DEFAULT_DB_ALIAS):
        self.role = role
        self.using = using
        self._local = threading.local()

    def _as_role(self, execute, sql, params, many, context):
        raw = context["connection"].connection
        if getattr(self._local, "switched", None) is not raw:
            raw.execute(pgsql.SQL("SET ROLE {}").format(pgsql.Identifier(self.role)))
            self._local.switched = raw
        return execute(sql, params, many, context)

    def started(self, sender, **kwargs):
        self._local.switched = None
        wrappers = connections[self.using].execute_wrappers
        if self._as_role not in wrappers:
            wrappers.append(self._as_role)

    def finished(self, sender, **kwargs):
        connection = connections[self.using]
        if self._as_role in connection.execute_wrappers:
            connection.execute_wrappers.remove(self._as_role)
        raw, self._local.switched = getattr(self._local, "switched", None), None
        if raw is None or raw.closed:
            return
        # Refused only if the request left the transaction aborted: the test's rollback undoes SET ROLE then.
        with contextlib.suppress(psycopg.Error):
            raw.execute("RESET ROLE")

    def connect(self) -> None:
        request_started.connect(self.started, dispatch_uid="tests.web_as_app_role.started")
        # Before Django's own close_old_connections, so that a connection goes back to the pool as the
        # session's role, never as the app role.
        request_finished.disconnect(close_old_connections)
        request_finished.connect(self.finished, dispatch_uid="tests.web_as_app_role.finished")
        request_finished.connect(close_old_connections)

    def disconnect(self) -> None:
        request_started.disconnect(dispatch_uid="tests.web_as_app_role.started")
        request_finished.disconnect(dispatch_uid="tests.web_as_app_role.finished")
