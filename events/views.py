"""The events search page: where and when a plate was seen."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from events.forms import EventSearchForm
from events.models import Event
from events.selectors import event_collector_label, event_page


@dataclass(frozen=True)
class EventRow:
    """An event with the links its row offers."""

    event: Event
    plate_url: str
    collector_url: str
    collector_label: str
    watchlist_names: list[str]
    watchlist_url: str


def _query(path: str, params: dict[str, str]) -> str:
    return f"{path}?{urlencode(params)}"


@require_GET
def event_search_page(request):
    """Search events by plate, collector and UTC time window, one keyset page at a time."""
    form = EventSearchForm(request.GET)
    context = {"form": form, "page": None, "rows": [], "max_window_days": settings.EVENTS_MAX_WINDOW_DAYS}
    if form.is_valid():
        page = event_page(criteria=form.criteria(), cursor=form.cleaned_data["cursor"])
        path, watchlists_path = reverse("events:search"), reverse("watchlists:list")
        search, window = form.search_params(), form.window_params()
        context["page"] = page
        context["rows"] = [
            EventRow(
                event=event,
                plate_url=_query(path, {"plate": event.plate_number, **window}),
                collector_url=_query(path, {"collector": str(event.collector_id), **window}),
                collector_label=event_collector_label(event),
                watchlist_names=page.watchlists_by_plate.get(event.plate_number, []),
                watchlist_url=_query(watchlists_path, {"q": event.plate_number}),
            )
            for event in page.events
        ]
        if page.next_cursor:
            context["next_url"] = _query(path, {**search, "cursor": page.next_cursor.encode()})
        if page.previous_cursor:
            context["previous_url"] = _query(path, {**search, "cursor": page.previous_cursor.encode()})
        context["window"] = form.cleaned_data
    return render(request, "events/search.html", context)
