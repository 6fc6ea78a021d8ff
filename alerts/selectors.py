"""Reads for the Alerts page: keyset pages over `alert_queue`, queued hits first, then newest first.

The page is one statement whatever the number of hits: the queued hits and the others are two ordered,
limited halves of one UNION ALL (each walks its own index backwards), ranked queued-first; then the page's
watchlists, entries and collectors are read in one query each. No COUNT.
"""

import base64
import binascii
import datetime as dt
import json
import uuid
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import IntegerField, Prefetch, Q, QuerySet, Value, prefetch_related_objects

from alerts.models import Alert
from collectors.selectors import collector_label_queryset

ALERTS_PAGE_SIZE = 50
BIGINT_MAX = 2**63 - 1
# The rank of each half of the page's order: queued hits before every other.
QUEUED_RANK, OTHER_RANK = 0, 1
QUEUED_PREVIEW = 5


@dataclass(frozen=True)
class AlertCursor:
    """A keyset position: the edge row of the page being left (its rank, time, id), and which way to go."""

    direction: str  # "next" (further down the list) or "prev" (back up towards the queued, newest hits)
    rank: int
    created_at: dt.datetime
    id: int

    def encode(self) -> str:
        payload = {"d": self.direction, "r": self.rank, "t": self.created_at.isoformat(), "i": self.id}
        raw = json.dumps(payload, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> "AlertCursor | None":
        """Return the cursor in `token`, or None when it is not one we issued."""
        try:
            payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            direction, rank, stamp, row_id = payload["d"], payload["r"], payload["t"], payload["i"]
            if direction not in ("next", "prev") or rank not in (QUEUED_RANK, OTHER_RANK):
                return None
            if type(rank) is not int or type(row_id) is not int or not isinstance(stamp, str):
                return None
            created_at = dt.datetime.fromisoformat(stamp)
            if created_at.tzinfo is None or not 0 < row_id <= BIGINT_MAX:
                return None
            created_at = created_at.astimezone(dt.UTC)
        except (binascii.Error, ValueError, TypeError, KeyError, RecursionError, OverflowError):
            return None
        return cls(direction=direction, rank=rank, created_at=created_at, id=row_id)


@dataclass(frozen=True)
class AlertCriteria:
    """Which hits to show; every filter optional."""

    status: str | None = None
    plate: str | None = None  # normalized (core.plates), matched exactly
    collector_id: uuid.UUID | None = None


@dataclass(frozen=True)
class AlertPage:
    """One page of hits, queued first then newest, with cursors to its neighbours (None at either end)."""

    alerts: list[Alert]
    next_cursor: AlertCursor | None
    previous_cursor: AlertCursor | None


def _halves(criteria: AlertCriteria) -> list[tuple[int, Q]]:
    """Return the ranked halves of the order that the status filter leaves."""
    queued = Q(status=Alert.Status.QUEUED)
    if criteria.status == Alert.Status.QUEUED:
        return [(QUEUED_RANK, queued)]
    if criteria.status:
        return [(OTHER_RANK, Q(status=criteria.status))]
    return [(QUEUED_RANK, queued), (OTHER_RANK, ~queued)]


def alert_cursor_fits(*, status: str | None, cursor: AlertCursor) -> bool:
    """Tell whether some half the status filter leaves lies beyond `cursor` (a cursor from the other half,
    from a stale or edited link, has none: every half is behind it)."""
    forward = cursor.direction == "next"
    ranks = [rank for rank, _ in _halves(AlertCriteria(status=status))]
    return any(rank >= cursor.rank if forward else rank <= cursor.rank for rank in ranks)


def _filtered(criteria: AlertCriteria) -> QuerySet:
    alerts = Alert.objects.all()
    if criteria.plate:
        alerts = alerts.filter(plate_number=criteria.plate)
    if criteria.collector_id is not None:
        alerts = alerts.filter(collector_id=criteria.collector_id)
    return alerts


def _half(
    alerts: QuerySet, *, rank: int, condition: Q, cursor: AlertCursor | None, limit: int
) -> QuerySet | None:
    """Return one half's rows beyond `cursor`, in reading order; None when the cursor left it behind."""
    forward = cursor is None or cursor.direction == "next"
    rows = alerts.filter(condition).annotate(rank=Value(rank, output_field=IntegerField()))
    if cursor is not None:
        if (rank < cursor.rank) if forward else (rank > cursor.rank):
            return None
        if rank == cursor.rank:
            # (created_at, id) beyond (t, i), spelled out; the bound on created_at alone also prunes days.
            t, i = cursor.created_at, cursor.id
            if forward:
                rows = rows.filter(Q(created_at__lt=t) | Q(created_at=t, id__lt=i), created_at__lte=t)
            else:
                rows = rows.filter(Q(created_at__gt=t) | Q(created_at=t, id__gt=i), created_at__gte=t)
    return rows.order_by(*(("-created_at", "-id") if forward else ("created_at", "id")))[:limit]


def alert_page_queryset(*, criteria: AlertCriteria, cursor: AlertCursor | None, limit: int) -> QuerySet:
    """Return up to `limit` hits matching `criteria` beyond `cursor`, in the order the page is read from."""
    alerts = _filtered(criteria)
    halves = [
        half
        for rank, condition in _halves(criteria)
        if (half := _half(alerts, rank=rank, condition=condition, cursor=cursor, limit=limit)) is not None
    ]
    if not halves:
        return Alert.objects.none()  # the form drops such a cursor; nothing lies beyond it anyway
    if len(halves) == 1:
        return halves[0]
    forward = cursor is None or cursor.direction == "next"
    order = ("rank", "-created_at", "-id") if forward else ("-rank", "created_at", "id")
    return halves[0].union(*halves[1:], all=True).order_by(*order)[:limit]


def alert_page(
    *, criteria: AlertCriteria, cursor: AlertCursor | None = None, page_size: int = ALERTS_PAGE_SIZE
) -> AlertPage:
    """Return one keyset page (page_size + 1 rows fetched to learn whether there is another)."""
    rows = list(alert_page_queryset(criteria=criteria, cursor=cursor, limit=page_size + 1))
    has_more = len(rows) > page_size
    alerts = rows[:page_size]
    going_back = cursor is not None and cursor.direction == "prev"
    if going_back:
        alerts.reverse()
    # Related rows are read, not joined: the keys have no constraints, and a hit is shown even when its
    # collector row is gone. Watchlists and entries come through their base managers: deleted ones too.
    prefetch_related_objects(
        alerts, "watchlist", "entry", Prefetch("collector", queryset=collector_label_queryset())
    )
    has_before = has_more if going_back else cursor is not None
    has_after = cursor is not None if going_back else has_more
    first, last = (alerts[0], alerts[-1]) if alerts else (None, None)
    return AlertPage(
        alerts=alerts,
        next_cursor=_cursor_at("next", last) if last and has_after else None,
        previous_cursor=_cursor_at("prev", first) if first and has_before else None,
    )


def _cursor_at(direction: str, alert: Alert) -> AlertCursor:
    return AlertCursor(direction, alert.rank, alert.created_at, alert.id)


def alert_related_label(alert: Alert, field: str, label: str) -> str | None:
    """Return the related row's `label` attribute, or None when that row is gone."""
    try:
        return getattr(getattr(alert, field), label)
    except ObjectDoesNotExist:
        return None


def alert_current(*, alert_id: int, created_at: dt.datetime) -> Alert | None:
    """Return the hit as it is now, or None when there is no such hit."""
    return Alert.objects.filter(id=alert_id, created_at=created_at).first()


def alert_home_summary() -> dict:
    """Return the oldest queued hits (a few) and whether there are more, for the home page."""
    oldest = list(
        Alert.objects.filter(status=Alert.Status.QUEUED)
        .only("id", "created_at", "plate_number")
        .order_by("created_at", "id")[: QUEUED_PREVIEW + 1]
    )
    return {"queued": oldest[:QUEUED_PREVIEW], "more": len(oldest) > QUEUED_PREVIEW}
