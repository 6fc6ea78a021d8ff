"""The partitions app's readiness check, registered with the core's readiness registry."""

from django.db import connection, transaction

from core.readiness import first_line

# Readiness must answer quickly: a catalog read queued behind maintenance DDL gives up after this.
PARTITIONS_STATEMENT_TIMEOUT = "1500ms"


def partitions_ready() -> tuple[bool, str | list[str]]:
    """Return False and the critical problems when a partitioned table is critical; never raise.

    Reads the catalog only (no run history). When the check cannot run (database down, a lock held by
    maintenance), it reports that and leaves readiness to the database check.
    """
    from partitions.selectors import partitions_critical_problems

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [PARTITIONS_STATEMENT_TIMEOUT])
            problems = partitions_critical_problems()
    except Exception as exc:  # a probe never raises: the database check already reports an outage
        return True, f"not checked: {first_line(exc)}"
    if problems:
        return False, problems
    return True, "ok"


partitions_ready.needs_database = True
