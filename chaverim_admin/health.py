"""Readiness probes: is the database reachable, is the broker reachable."""

from django.db import DatabaseError, connection


def database_ready() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return (
            False,
            f"database unreachable: {str(exc).strip().splitlines()[0] if str(exc).strip() else exc!r}",
        )
    return True, "ok"


def broker_ready(timeout: float = 2.0) -> tuple[bool, str]:
    from chaverim_admin.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
    except Exception as exc:  # kombu raises many transport-specific types
        return False, f"broker unreachable: {exc.__class__.__name__}"
    return True, "ok"
