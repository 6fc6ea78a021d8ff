"""Writes of the events app: the search access log (rows of `audit_log`, chained by the database)."""

from django.db import transaction

from core.services import audit_log_write
from events.access_log import EXPORT_ACTION, SEARCH_ACTION, VIEW_ACTION, AccessLogCriteria
from events.selectors import EventCriteria, EventCursor

PAGE_NAMES = {None: "first", "next": "next", "prev": "previous"}


@transaction.atomic
def event_search_record(
    *,
    user,
    address: str | None,
    criteria: EventCriteria,
    cursor: EventCursor | None,
    purpose: str,
    case_number: str,
    rows_shown: int,
) -> None:
    """Record one page of an events search in the access log; the page must not be shown if this raises."""
    plate = criteria.plate
    audit_log_write(
        actor_id=user.pk,
        action=SEARCH_ACTION,
        object_type="events",
        # The plate as searched (ABC* for a prefix): the access log finds searches for a plate by this.
        object_id=str(plate) if plate else "",
        details={
            "username": user.get_username(),
            "address": address,
            "plate": plate.value if plate else None,
            "plate_match": None if plate is None else "prefix" if plate.is_prefix else "exact",
            "collector": str(criteria.collector_id) if criteria.collector_id else None,
            "from": criteria.start_at.isoformat(),
            "to": criteria.end_at.isoformat(),
            "purpose": purpose,
            "case_number": case_number or None,
            "page": PAGE_NAMES[cursor.direction if cursor else None],
            "rows": rows_shown,
        },
    )


@transaction.atomic
def access_log_view_record(
    *, user, address: str | None, criteria: AccessLogCriteria, rows_shown: int | None, export: bool = False
) -> None:
    """Record a look at the access log itself (a page, or a CSV export) before it is shown."""
    audit_log_write(
        actor_id=user.pk,
        action=EXPORT_ACTION if export else VIEW_ACTION,
        object_type="access_log",
        object_id="",
        details={
            "username": user.get_username(),
            "address": address,
            "filters": {
                "from": criteria.start_at.isoformat(),
                "to": criteria.end_at.isoformat(),
                "actions": list(criteria.actions),
                "username": criteria.username,
                "plate": criteria.plate,
                "case_number": criteria.case_number,
            },
            "rows": rows_shown,
        },
    )
