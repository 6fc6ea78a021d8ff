"""Readiness checks: a registry that apps add to in `AppConfig.ready()`, and the core's own checks.

A check is a function of no arguments returning `(ok, detail)`; it never raises. `/readyz` runs the
database check first and skips the others (reporting them as not checked) when the database is down.
"""

from collections.abc import Callable

import psycopg
from django.db import DatabaseError, connection

ReadinessCheck = Callable[[], tuple[bool, object]]

_checks: dict[str, ReadinessCheck] = {}


def readiness_register(name: str, check: ReadinessCheck) -> None:
    """Register (or replace) the readiness check called `name`."""
    _checks[name] = check


def readiness_checks() -> dict[str, ReadinessCheck]:
    """Return the registered checks, in the order they were registered."""
    return dict(_checks)


def first_line(exc: BaseException) -> str:
    """Return the first line of an exception's message, or its class name when it has none."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__


# How long the readiness probe waits for a new database connection.
DATABASE_CONNECT_TIMEOUT = 3


def database_ready() -> tuple[bool, str]:
    """Open a new connection, as a pooled one would: the pool's idle connections still answer while the
    server shuts down or refuses new sessions, so they cannot tell that it is going away."""
    params = {**connection.get_connection_params(), "autocommit": True}
    params["connect_timeout"] = min(int(params.get("connect_timeout") or DATABASE_CONNECT_TIMEOUT), 3)
    try:
        with psycopg.connect(**params) as fresh:
            fresh.execute("SELECT 1")
    except (psycopg.Error, DatabaseError) as exc:
        return False, f"database unreachable: {first_line(exc)}"
    return True, "ok"


def broker_ready(timeout: float = 2.0) -> tuple[bool, str]:
    from celery import current_app

    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
    except Exception as exc:  # kombu raises many transport-specific types
        return False, f"broker unreachable: {exc.__class__.__name__}"
    return True, "ok"


def readiness_report() -> tuple[bool, dict[str, object]]:
    """Run every check; return whether all passed and each check's detail."""
    results = readiness_results()
    return all(ok for ok, _ in results.values()), {name: detail for name, (_ok, detail) in results.items()}


def readiness_results() -> dict[str, tuple[bool, object]]:
    """Run every check; return each one's (ok, detail), in the order they were registered."""
    results = {}
    database_up = True
    for name, check in readiness_checks().items():
        if name != "database" and not database_up and getattr(check, "needs_database", False):
            results[name] = (True, "not checked: database unreachable")
            continue
        results[name] = check()
        if name == "database":
            database_up = results[name][0]
    return results
