"""The events search page (where and when a plate was seen) and its access log."""

import csv
import logging
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.db import DatabaseError
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from core.replica import replica_reads
from core.throttling import client_address
from events.access_log import AccessLogCriteria, access_log_entries_all, access_log_entries_page
from events.forms import AccessLogFilterForm, EventSearchForm
from events.models import Event
from events.selectors import event_collector_label, event_page
from events.services import access_log_view_record, event_search_record

logger = logging.getLogger(__name__)

VIEW_ACCESS_LOG = "events.view_access_log"


@dataclass(frozen=True)
class EventRow:
    """An event with the links its row offers."""

    event: Event
    plate_url: str
    collector_url: str
    collector_label: str
    watchlist_names: list[str]
    watchlist_url: str
    held_cases: list[str] | None  # kept past its month's retirement by legal holds of these cases


def _query(path: str, params: dict[str, str]) -> str:
    return f"{path}?{urlencode(params)}"


@require_GET
@replica_reads
def event_search_page(request):
    """Search events by plate, collector and UTC time window, one keyset page at a time."""
    # While a purpose is required, a first visit (no parameters) searches nothing: it shows the empty form.
    form = EventSearchForm(request.GET if request.GET or not settings.EVENTS_REQUIRE_PURPOSE else None)
    context = {"form": form, "page": None, "rows": [], "max_window_days": settings.EVENTS_MAX_WINDOW_DAYS}
    if form.is_valid():
        criteria, cursor = form.criteria(), form.cleaned_data["cursor"]
        page = event_page(criteria=criteria, cursor=cursor)
        # Recorded before anything is rendered: a search that cannot be recorded is not shown.
        try:
            event_search_record(
                user=request.user,
                address=client_address(request),
                criteria=criteria,
                cursor=cursor,
                purpose=form.cleaned_data["purpose"],
                case_number=form.cleaned_data["case_number"],
                rows_shown=len(page.events),
            )
        except DatabaseError:
            logger.exception("events search not recorded in the access log; results withheld")
            return _not_recorded(request)
        path, watchlists_path = reverse("events:search"), reverse("watchlists:list")
        # Links to other searches keep the window, the purpose and the case number.
        search, carried = form.search_params(), {**form.window_params(), **form.access_params()}
        context["page"] = page
        context["rows"] = [
            EventRow(
                event=event,
                plate_url=_query(path, {"plate": event.plate_number, **carried}),
                collector_url=_query(path, {"collector": str(event.collector_id), **carried}),
                collector_label=event_collector_label(event),
                watchlist_names=page.watchlists_by_plate.get(event.plate_number, []),
                watchlist_url=_query(watchlists_path, {"q": event.plate_number}),
                held_cases=event.held_cases,
            )
            for event in page.events
        ]
        if page.next_cursor:
            context["next_url"] = _query(path, {**search, "cursor": page.next_cursor.encode()})
        if page.previous_cursor:
            context["previous_url"] = _query(path, {**search, "cursor": page.previous_cursor.encode()})
        context["window"] = form.cleaned_data
    return render(request, "events/search.html", context)


def _not_recorded(request):
    """Answer 503 with nothing of what was read: the access could not be written to the access log."""
    return render(request, "events/not_recorded.html", status=503)


@require_safe
@never_cache
@permission_required(VIEW_ACCESS_LOG, raise_exception=True)
@replica_reads
def access_log_page(request):
    """Show who searched events, when, for what and why, newest first, one keyset page at a time."""
    form = AccessLogFilterForm(request.GET)
    context = {"form": form, "page": None}
    if form.is_valid():
        criteria = form.criteria()
        page = access_log_entries_page(criteria=criteria, cursor=form.cleaned_data["cursor"])
        try:
            access_log_view_record(
                user=request.user,
                address=client_address(request),
                criteria=criteria,
                rows_shown=len(page.entries),
            )
        except DatabaseError:
            logger.exception("access log view not recorded; page withheld")
            return _not_recorded(request)
        filters, path = form.filter_params(), reverse("events:access_log")
        context.update(
            page=page,
            criteria=criteria,
            export_url=_query(reverse("events:access_log_export"), filters),
            next_url=page.next_cursor and _query(path, {**filters, "cursor": page.next_cursor.encode()}),
            previous_url=page.previous_cursor
            and _query(path, {**filters, "cursor": page.previous_cursor.encode()}),
        )
    return render(request, "events/access_log.html", context)


EXPORT_COLUMNS = (
    "occurred_at",
    "chain_position",
    "action",
    "username",
    "actor_id",
    "address",
    "plate",
    "collector_id",
    "window_start",
    "window_end",
    "purpose",
    "case_number",
    "rows",
    "page",
)
# A cell a spreadsheet would read as a formula (OWASP, CSV injection) is written with a leading apostrophe.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object whose write() returns what it was given, for csv.writer in a streamed response."""

    def write(self, value: str) -> str:
        return value


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def _csv_lines(criteria: AccessLogCriteria):
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_COLUMNS)
    for entry in access_log_entries_all(criteria=criteria):
        values = {**vars(entry), "occurred_at": entry.occurred_at.isoformat()}
        yield writer.writerow([_cell(values[column]) for column in EXPORT_COLUMNS])


@require_safe
@never_cache
@permission_required(VIEW_ACCESS_LOG, raise_exception=True)
def access_log_export(request):
    """Stream every access-log row matching the filters as CSV (recorded as an export first)."""
    form = AccessLogFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "events/access_log.html", {"form": form, "page": None}, status=400)
    criteria = form.criteria()
    try:
        access_log_view_record(
            user=request.user,
            address=client_address(request),
            criteria=criteria,
            rows_shown=None,
            export=True,
        )
    except DatabaseError:
        logger.exception("access log export not recorded; export withheld")
        return _not_recorded(request)
    response = StreamingHttpResponse(_csv_lines(criteria), content_type="text/csv; charset=utf-8")
    name = f"access-log-{criteria.start_at:%Y%m%dT%H%M%S}-{criteria.end_at:%Y%m%dT%H%M%S}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
