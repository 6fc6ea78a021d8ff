"""Name this test run's database as a DATABASE_URL, for subprocesses that must use it."""

import urllib.parse
from typing import Any


def database_url(settings_dict: dict[str, Any] | None = None) -> str:
    """Return a DATABASE_URL for a Django database (this run's test database by default).

    A socket directory goes in the query string; otherwise user:password@host:port. Every part is quoted.
    """
    if settings_dict is None:
        from django.db import connection

        settings_dict = connection.settings_dict
    options = settings_dict.get("OPTIONS") or {}
    # A URL with `?host=` leaves HOST empty and the socket directory in OPTIONS.
    host = str(settings_dict.get("HOST") or options.get("host") or "")
    port = str(settings_dict.get("PORT") or options.get("port") or "")
    auth = urllib.parse.quote(settings_dict.get("USER") or "", safe="")
    if settings_dict.get("PASSWORD"):
        auth += ":" + urllib.parse.quote(settings_dict["PASSWORD"], safe="")
    name = urllib.parse.quote(settings_dict["NAME"], safe="")
    if host.startswith("/"):
        query = urllib.parse.urlencode({"host": host, **({"port": port} if port else {})})
        return f"postgres://{auth}@/{name}?{query}"
    netloc = f"[{host}]" if ":" in host else urllib.parse.quote(host, safe="")
    return f"postgres://{auth}@{netloc}{':' + port if port else ''}/{name}"
