"""Writes of the alerts app: acknowledging a hit."""

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from alerts import sql
from alerts.errors import AlertConflictError
from alerts.models import Alert
from alerts.selectors import alert_current
from core.services import audit_log_write


@dataclass(frozen=True)
class Acknowledged:
    """What one acknowledgement changed."""

    alert_id: int
    plate_number: str
    processed_at: dt.datetime


@transaction.atomic
def alert_acknowledge(
    *,
    alert_id: int,
    created_at: dt.datetime,
    seen_status: str,
    seen_processed_at: dt.datetime | None,
    actor,
    now: dt.datetime | None = None,
) -> Acknowledged:
    """Acknowledge a hit if it is still as the caller saw it; else raise (nothing written).

    Raises Alert.DoesNotExist when there is no such hit, AlertConflictError when it changed in between.
    """
    now = now or timezone.now()
    params = {
        "id": alert_id,
        "created_at": created_at,
        "seen_status": seen_status,
        "seen_processed_at": seen_processed_at,
        "now": now,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql.ALERT_ACKNOWLEDGE, params)
        row = cursor.fetchone()
    if row is None:
        current = alert_current(alert_id=alert_id, created_at=created_at)
        if current is None:
            raise Alert.DoesNotExist(f"alert {alert_id} at {created_at.isoformat()} does not exist")
        raise AlertConflictError(current=current)
    plate_number, watchlist_id, entry_id, collector_id, event_id = row
    audit_log_write(
        actor_id=getattr(actor, "pk", None),
        action="alert.acknowledge",
        object_type="alert",
        object_id=alert_id,
        details={
            "created_at": created_at.isoformat(),
            "plate": plate_number,
            "watchlist_id": str(watchlist_id),
            "entry_id": str(entry_id),
            "collector_id": str(collector_id),
            "event_id": event_id,
            "before": {
                "status": seen_status,
                "processed_at": seen_processed_at.isoformat() if seen_processed_at else None,
            },
            "after": {"status": Alert.Status.ACKNOWLEDGED, "processed_at": now.isoformat()},
        },
    )
    return Acknowledged(alert_id=alert_id, plate_number=plate_number, processed_at=now)
