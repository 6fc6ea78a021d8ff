"""Reach the test database from subprocesses, and undo the monthly partitions a test made."""

import urllib.parse

from django.db import connection

MANAGED_NAME = r"^(events|audit_log)_\d{4}_\d{2}$"


def test_database_url() -> str:
    """Return a DATABASE_URL for the test database (a socket directory goes in the query string)."""
    params = connection.settings_dict
    auth = urllib.parse.quote(params["USER"] or "", safe="")
    if params["PASSWORD"]:
        auth += ":" + urllib.parse.quote(params["PASSWORD"], safe="")
    host, port = params["HOST"] or "", params["PORT"] or ""
    if host.startswith("/"):
        query = urllib.parse.urlencode({"host": host, **({"port": port} if port else {})})
        return f"postgres://{auth}@/{params['NAME']}?{query}"
    return f"postgres://{auth}@{host}{':' + str(port) if port else ''}/{params['NAME']}"


test_database_url.__test__ = False  # a helper, not a test


def monthly_partitions_drop() -> None:
    """Drop every monthly partition, so that later tests start again from the DEFAULT partitions only."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname ~ %s",
            [MANAGED_NAME],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP TABLE "{name}"')  # the name matched ^[a-z_0-9]+$ above
