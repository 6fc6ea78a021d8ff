"""Reads of the search access log: the `audit_log` rows of events searches, for /audit/ and its CSV export.

Every page of an events search is recorded (events/services.py); so is every look at the access log itself.
Pages are keyset pages on (occurred_at DESC, id DESC) over the index on (action, occurred_at, id): no COUNT.
"""

import base64
import binascii
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from collectors.selectors import collector_label_queryset
from core.models import AuditLog

SEARCH_ACTION = "events.search"
VIEW_ACTION = "events.access_log_view"
EXPORT_ACTION = "events.access_log_export"
SEARCHES = (SEARCH_ACTION,)
LOOKS = (VIEW_ACTION, EXPORT_ACTION)
ACCESS_LOG_PAGE_SIZE = 50
EXPORT_CHUNK_SIZE = 2000
_BIGINT_MAX = 2**63 - 1


@dataclass(frozen=True)
class AccessLogCriteria:
    """Which access-log rows to show: always within [start_at, end_at), so old months are pruned."""

    start_at: dt.datetime
    end_at: dt.datetime
    actions: tuple[str, ...] = SEARCHES
    username: str | None = None
    plate: str | None = None  # a normalized plate: searches for it, or for a prefix of it
    case_number: str | None = None


@dataclass(frozen=True)
class AccessLogCursor:
    """A keyset position: the edge row of the page being left, and which way to go from it."""

    direction: str  # "next" (older rows) or "prev" (newer rows)
    occurred_at: dt.datetime
    id: int

    def encode(self) -> str:
        payload = {"d": self.direction, "t": self.occurred_at.isoformat(), "i": self.id}
        return (
            base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")
        )

    @classmethod
    def decode(cls, token: str) -> "AccessLogCursor | None":
        """Return the cursor in `token`, or None when it is not one we issued."""
        try:
            payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            direction, stamp, row_id = payload["d"], payload["t"], payload["i"]
            if direction not in ("next", "prev") or type(row_id) is not int or not isinstance(stamp, str):
                return None
            occurred_at = dt.datetime.fromisoformat(stamp)
            if occurred_at.tzinfo is None or not 0 < row_id <= _BIGINT_MAX:
                return None
            occurred_at = occurred_at.astimezone(dt.UTC)
        except (binascii.Error, ValueError, TypeError, KeyError, RecursionError, OverflowError):
            return None
        return cls(direction=direction, occurred_at=occurred_at, id=row_id)


@dataclass(frozen=True)
class AccessLogEntry:
    """One recorded access, as the page and the CSV show it."""

    occurred_at: dt.datetime
    chain_position: int
    action: str
    actor_id: str | None
    username: str
    address: str
    plate: str
    collector_id: str
    collector_label: str
    window_start: str
    window_end: str
    purpose: str
    case_number: str
    rows: int | None
    page: str

    @classmethod
    def of(cls, row: AuditLog, collector_labels: dict[str, str] | None = None) -> "AccessLogEntry":
        details = row.details if isinstance(row.details, dict) else {}
        filters = details.get("filters") or {}
        plate = details.get("plate") or filters.get("plate") or ""
        if plate and details.get("plate_match") == "prefix":
            plate += "*"
        collector_id = str(details.get("collector") or "")
        return cls(
            occurred_at=row.occurred_at,
            chain_position=row.chain_position,
            action=row.action,
            actor_id=str(row.actor_id) if row.actor_id else None,
            username=str(details.get("username") or ""),
            address=str(details.get("address") or ""),
            plate=plate,
            collector_id=collector_id,
            collector_label=(collector_labels or {}).get(collector_id, collector_id),
            window_start=str(details.get("from") or filters.get("from") or ""),
            window_end=str(details.get("to") or filters.get("to") or ""),
            purpose=str(details.get("purpose") or ""),
            case_number=str(details.get("case_number") or filters.get("case_number") or ""),
            rows=details.get("rows"),
            page=str(details.get("page") or ""),
        )


@dataclass(frozen=True)
class AccessLogPage:
    """One page of the access log, newest first, with cursors to its neighbours (None at either end)."""

    entries: list[AccessLogEntry]
    next_cursor: AccessLogCursor | None
    previous_cursor: AccessLogCursor | None


def plate_search_keys(plate: str) -> list[str]:
    """Return what a search that could show `plate` was recorded under: the plate, or any prefix of it."""
    return [plate, *(f"{plate[:length]}*" for length in range(1, len(plate) + 1))]


def access_log_queryset(*, criteria: AccessLogCriteria, cursor: AccessLogCursor | None = None) -> QuerySet:
    """Return the rows matching `criteria` beyond `cursor`, in the order the page is read from."""
    rows = AuditLog.objects.defer("prev_hash", "row_hash").filter(
        action__in=criteria.actions, occurred_at__gte=criteria.start_at, occurred_at__lt=criteria.end_at
    )
    if criteria.username:
        users = get_user_model().objects.filter(username__iexact=criteria.username).values("pk")
        rows = rows.filter(actor_id__in=users)
    # Searches by what they searched; looks at this log by what they filtered on.
    searches = criteria.actions == SEARCHES
    if criteria.plate:
        if searches:
            rows = rows.filter(object_id__in=plate_search_keys(criteria.plate))
        else:
            rows = rows.filter(details__filters__plate=criteria.plate)
    if criteria.case_number:
        key = "details__case_number" if searches else "details__filters__case_number"
        rows = rows.filter(**{key: criteria.case_number})
    if cursor is None:
        return rows.order_by("-occurred_at", "-id")
    t, i = cursor.occurred_at, cursor.id
    if cursor.direction == "next":
        return rows.filter(Q(occurred_at__lt=t) | Q(occurred_at=t, id__lt=i), occurred_at__lte=t).order_by(
            "-occurred_at", "-id"
        )
    return rows.filter(Q(occurred_at__gt=t) | Q(occurred_at=t, id__gt=i), occurred_at__gte=t).order_by(
        "occurred_at", "id"
    )


def _collector_labels(rows: list[AuditLog]) -> dict[str, str]:
    ids = {row.details.get("collector") for row in rows if isinstance(row.details, dict)} - {None, ""}
    if not ids:
        return {}
    return {str(c.pk): c.site_name for c in collector_label_queryset().filter(pk__in=ids)}


def access_log_entries_page(
    *,
    criteria: AccessLogCriteria,
    cursor: AccessLogCursor | None = None,
    page_size: int = ACCESS_LOG_PAGE_SIZE,
) -> AccessLogPage:
    """Return one keyset page (page_size + 1 rows fetched to learn whether there is another)."""
    rows = list(access_log_queryset(criteria=criteria, cursor=cursor)[: page_size + 1])
    has_more = len(rows) > page_size
    rows = rows[:page_size]
    going_back = cursor is not None and cursor.direction == "prev"
    if going_back:
        rows.reverse()
    has_newer = has_more if going_back else cursor is not None
    has_older = cursor is not None if going_back else has_more
    newest, oldest = (rows[0], rows[-1]) if rows else (None, None)
    labels = _collector_labels(rows)
    return AccessLogPage(
        entries=[AccessLogEntry.of(row, labels) for row in rows],
        next_cursor=AccessLogCursor("next", oldest.occurred_at, oldest.id) if oldest and has_older else None,
        previous_cursor=AccessLogCursor("prev", newest.occurred_at, newest.id)
        if newest and has_newer
        else None,
    )


def access_log_entries_all(*, criteria: AccessLogCriteria) -> Iterator[AccessLogEntry]:
    """Yield every row matching `criteria`, newest first, read through a server-side cursor."""
    for row in access_log_queryset(criteria=criteria).iterator(chunk_size=EXPORT_CHUNK_SIZE):
        yield AccessLogEntry.of(row)
