"""Private benchmark databases on the embedded server (or DATABASE_URL's), and pointing Django at one."""

import os
from contextlib import AbstractContextManager, contextmanager

import psycopg
from psycopg import sql

LARGE_DATABASE = "chaverim_bench"
SMALL_DATABASE = "chaverim_bench_small"


class BenchServer(AbstractContextManager):
    """The PostgreSQL server the benchmark runs on: joins the embedded one unless DATABASE_URL is set."""

    def __init__(self):
        self._embedded = None

    def __enter__(self):
        if not os.environ.get("DATABASE_URL"):
            from chaverim_admin.devstack.postgres import EmbeddedPostgres

            self._embedded = EmbeddedPostgres()
            self._embedded.acquire()
        return self

    def __exit__(self, *exc):
        from django.db import connections

        connections.close_all()
        if self._embedded is not None:
            self._embedded.release()
        return False


def conninfo(database: str) -> dict:
    """Return psycopg connection arguments for `database` on the server Django is configured for."""
    from django.conf import settings

    default = settings.DATABASES["default"]
    options = {k: v for k, v in default.get("OPTIONS", {}).items() if k not in ("pool",)}
    params = {
        "dbname": database,
        "user": default.get("USER") or None,
        "password": default.get("PASSWORD") or None,
        "host": default.get("HOST") or None,
        "port": default.get("PORT") or None,
        **options,
    }
    return {key: value for key, value in params.items() if value is not None}


def database_recreate(name: str) -> None:
    """Drop `name` (closing its sessions) and create it empty."""
    with psycopg.connect(**conninfo("postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def database_drop(name: str) -> None:
    """Drop `name` if it exists."""
    with psycopg.connect(**conninfo("postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def django_use(name: str) -> None:
    """Point Django's default connection at database `name`, kept open between requests.

    A persistent connection stands for the production pool: a pooled backend has its catalog caches
    warm, so the figures do not include connecting and loading ninety partitions' metadata each time.
    """
    from django.conf import settings
    from django.db import connections

    connections["default"].close()
    for settings_dict in (settings.DATABASES["default"], connections["default"].settings_dict):
        settings_dict["NAME"] = name
        settings_dict["CONN_MAX_AGE"] = None


@contextmanager
def django_server(*, host: str, user: str, database: str):
    """Point Django at `database` on another server (a socket folder) for a `with` block, then back."""
    from django.conf import settings
    from django.db import connections

    keys = ("NAME", "HOST", "PORT", "USER", "PASSWORD")
    saved = {key: settings.DATABASES["default"].get(key) for key in keys}

    def switch(values: dict) -> None:
        connections["default"].close()
        for settings_dict in (settings.DATABASES["default"], connections["default"].settings_dict):
            settings_dict.update(values)
            settings_dict["CONN_MAX_AGE"] = None

    switch({"NAME": database, "HOST": host, "PORT": "5432", "USER": user, "PASSWORD": ""})
    try:
        yield
    finally:
        switch(saved)


def server_version() -> str:
    """Return the server's version string."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]
