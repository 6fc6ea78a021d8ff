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


# Readiness must answer quickly: a catalog read queued behind maintenance DDL gives up after this.
PARTITIONS_STATEMENT_TIMEOUT = "1500ms"


def partitions_ready() -> tuple[bool, str | list[str]]:
    """Return False and the critical problems when a partitioned table is critical; never raise.

    Reads the catalog only (no run history). When the check cannot run (database down, a lock held by
    maintenance), it reports that and leaves readiness to the database check.
    """
    from django.db import transaction

    from partitions.selectors.status import partitions_critical_problems

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [PARTITIONS_STATEMENT_TIMEOUT])
            problems = partitions_critical_problems()
    except Exception as exc:  # a probe never raises: the database check already reports an outage
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        return True, f"not checked: {first_line}"
    if problems:
        return False, problems
    return True, "ok"
