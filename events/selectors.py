"""Reads for the events search: keyset pages over `events` and `events_held`, with watchlist marks."""

import base64
import binascii
import calendar
import datetime as dt
import json
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Count, Prefetch, Q, QuerySet, Value, prefetch_related_objects
from django.db.models.functions import TruncMonth
from django.urls import reverse

from collectors.selectors import collector_label_queryset
from events.models import Event
from holds.selectors import held_event_queryset
from watchlists.selectors import watchlist_names_by_plate

EVENTS_PAGE_SIZE = 50
_BIGINT_MAX = 2**63 - 1


@dataclass(frozen=True)
class PlateQuery:
    """A normalized plate and whether it is a prefix."""

    value: str
    is_prefix: bool

    def __str__(self):
        return f"{self.value}*" if self.is_prefix else self.value


@dataclass(frozen=True)
class EventCursor:
    """A keyset position: the edge row of the page being left, and which way to go from it."""

    direction: str  # "next" (older rows) or "prev" (newer rows)
    captured_at: dt.datetime
    id: int

    def encode(self) -> str:
        payload = {"d": self.direction, "t": self.captured_at.isoformat(), "i": self.id}
        raw = json.dumps(payload, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> "EventCursor | None":
        """Return the cursor in `token`, or None when it is not one we issued."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            payload = json.loads(raw)
            direction, stamp, row_id = payload["d"], payload["t"], payload["i"]
            if direction not in ("next", "prev") or type(row_id) is not int or not isinstance(stamp, str):
                return None
            captured_at = dt.datetime.fromisoformat(stamp)
            if captured_at.tzinfo is None or not 0 < row_id <= _BIGINT_MAX:
                return None
            # An offset can push year 1 or 9999 out of range in UTC (OverflowError).
            captured_at = captured_at.astimezone(dt.UTC)
        except (binascii.Error, ValueError, TypeError, KeyError, RecursionError, OverflowError):
            return None
        return cls(direction=direction, captured_at=captured_at, id=row_id)


@dataclass(frozen=True)
class EventCriteria:
    """What to search for: the half-open window [start_at, end_at) is always bounded."""

    start_at: dt.datetime
    end_at: dt.datetime
    plate: PlateQuery | None = None
    collector_id: uuid.UUID | None = None


@dataclass(frozen=True)
class EventPage:
    """One page of events, newest first, with cursors to its neighbours (None at either end)."""

    events: list[Event]
    next_cursor: EventCursor | None
    previous_cursor: EventCursor | None
    watchlists_by_plate: dict[str, list[str]]


def _matching(rows: QuerySet, *, criteria: EventCriteria, cursor: EventCursor | None, limit: int) -> QuerySet:
    """Filter live or held events by `criteria` beyond `cursor`, in the order the page is read from."""
    rows = rows.only("id", "captured_at", "plate_number", "collector").filter(
        captured_at__gte=criteria.start_at, captured_at__lt=criteria.end_at
    )
    if criteria.plate is not None:
        if criteria.plate.is_prefix:
            rows = rows.filter(plate_number__startswith=criteria.plate.value)
        else:
            rows = rows.filter(plate_number=criteria.plate.value)
    if criteria.collector_id is not None:
        rows = rows.filter(collector_id=criteria.collector_id)
    if cursor is None:
        return rows.order_by("-captured_at", "-id")[:limit]
    # (captured_at, id) < (t, i) spelled out; the extra captured_at <= t is implied by it, but written
    # out it becomes an index bound and a pruning key, so a deep page starts where it begins.
    t, i = cursor.captured_at, cursor.id
    if cursor.direction == "next":
        rows = rows.filter(Q(captured_at__lt=t) | Q(captured_at=t, id__lt=i), captured_at__lte=t)
        return rows.order_by("-captured_at", "-id")[:limit]
    rows = rows.filter(Q(captured_at__gt=t) | Q(captured_at=t, id__gt=i), captured_at__gte=t)
    return rows.order_by("captured_at", "id")[:limit]


def event_search_queryset(
    *, criteria: EventCriteria, cursor: EventCursor | None = None, limit: int = EVENTS_PAGE_SIZE + 1
) -> QuerySet:
    """Return up to `limit` events matching `criteria` beyond `cursor`, in the order the page is read from.

    Live rows (`events`) and rows kept by legal holds past their month's retirement (`events_held`) are read
    in one query, each side ordered and limited on its own index, then merged: a page is the first `limit`
    of both, so keyset paging runs across the two tables. Each row has `held_cases`: the case numbers of the
    active holds keeping it, or None for a live row.

    This assumes a row is never in both tables: the engine copies a row into `events_held` and retires it
    from `events` in one transaction. A row in both would be listed twice, and the strict keyset condition
    would skip one of a pair of twins at a page boundary.
    """
    live = Event.objects.annotate(held_cases=Value(None, output_field=ArrayField(models.CharField())))
    live = _matching(live, criteria=criteria, cursor=cursor, limit=limit)
    held = _matching(held_event_queryset(), criteria=criteria, cursor=cursor, limit=limit)
    going_back = cursor is not None and cursor.direction == "prev"
    order = ("captured_at", "id") if going_back else ("-captured_at", "-id")
    return live.union(held, all=True).order_by(*order)[:limit]


def event_collector_label(event: Event) -> str:
    """Return the event's collector site name, or "unknown collector <uuid>" when that row is gone."""
    try:
        return event.collector.site_name
    except ObjectDoesNotExist:
        return f"unknown collector {event.collector_id}"


def event_page(
    *, criteria: EventCriteria, cursor: EventCursor | None = None, page_size: int = EVENTS_PAGE_SIZE
) -> EventPage:
    """Return one keyset page (page_size + 1 rows fetched to learn whether there is another)."""
    rows = list(event_search_queryset(criteria=criteria, cursor=cursor, limit=page_size + 1))
    # Prefetched, not joined: the FK has no constraint, and an INNER JOIN would hide an event whose
    # collector row is gone. Evidence is never hidden; such events show "unknown collector".
    prefetch_related_objects(rows, Prefetch("collector", queryset=collector_label_queryset()))
    has_more = len(rows) > page_size
    events = rows[:page_size]
    going_back = cursor is not None and cursor.direction == "prev"
    if going_back:
        events.reverse()
    has_newer = has_more if going_back else cursor is not None
    has_older = cursor is not None if going_back else has_more
    newest, oldest = (events[0], events[-1]) if events else (None, None)
    return EventPage(
        events=events,
        next_cursor=EventCursor("next", oldest.captured_at, oldest.id) if oldest and has_older else None,
        previous_cursor=EventCursor("prev", newest.captured_at, newest.id) if newest and has_newer else None,
        watchlists_by_plate=watchlist_names_by_plate(plates={event.plate_number for event in events}),
    )


# The latest instant Python can hold: rows at 'infinity' are left out (no month holds them).
_LATEST = dt.datetime.max.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class EventSources:
    """The collectors of one month's events, and the search that lists them."""

    collectors: list[str]
    url: str


def event_sources_by_month(*, since: dt.datetime) -> dict[str, EventSources]:
    """Name the collectors of events dated `since` or later, by UTC month (YYYY-MM), in two queries.

    For rows a wrong camera clock dated far ahead: they wait in DEFAULT, which is kept small.
    """
    counts = (
        Event.objects.filter(captured_at__gte=since, captured_at__lt=_LATEST)
        .annotate(month=TruncMonth("captured_at", tzinfo=dt.UTC))
        .values("month", "collector_id")
        .annotate(rows=Count("id"))
        .order_by("month", "collector_id")
    )
    by_month: dict[str, list] = {}
    for row in counts:
        by_month.setdefault(row["month"].strftime("%Y-%m"), []).append(row["collector_id"])
    ids = {collector_id for collector_ids in by_month.values() for collector_id in collector_ids}
    names = {collector.pk: collector.site_name for collector in collector_label_queryset().filter(pk__in=ids)}
    sources = {}
    for label, collector_ids in by_month.items():
        start = dt.date.fromisoformat(f"{label}-01")
        end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
        params = {"start": start.isoformat(), "end": end.isoformat()}
        if len(collector_ids) == 1:
            params["collector"] = str(collector_ids[0])
        sources[label] = EventSources(
            collectors=[
                names.get(collector_id, f"unknown collector {collector_id}") for collector_id in collector_ids
            ],
            url=f"{reverse('events:search')}?{urlencode(params)}",
        )
    return sources
