"""Writes shared by every app."""

from typing import Any

from django.db import connection

from core import sql


def audit_log_write(
    *,
    actor_id: Any | None,
    action: str,
    object_type: str,
    object_id: Any,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one row to `audit_log` in the caller's transaction."""
    from psycopg.types.json import Jsonb

    with connection.cursor() as cursor:
        cursor.execute(
            sql.AUDIT_LOG_INSERT,
            [actor_id, action, object_type, str(object_id), Jsonb(details or {})],
        )
