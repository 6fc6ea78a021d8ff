"""Pages that list watchlists and show one with its entries."""

from django.contrib.auth.decorators import permission_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from core.pagination import table_paginate
from watchlists import selectors
from watchlists.filters import WatchlistEntryFilter, WatchlistFilter
from watchlists.forms import WatchlistEntryQuickAddForm
from watchlists.models import Watchlist
from watchlists.tables import WatchlistEntryTable, WatchlistTable

PAGE_SIZE = 50  # not a parameter: ?per_page= is ignored
DELETED_COLUMNS = ("deleted_by", "deleted_at")


@require_safe
@permission_required("watchlists.view_watchlist", raise_exception=True)
def watchlist_list_page(request):
    filterset = WatchlistFilter(request.GET, queryset=selectors.watchlist_list())
    status = filterset.current_status
    table = WatchlistTable(filterset.qs, exclude=DELETED_COLUMNS if status == selectors.STATUS_ACTIVE else ())
    table_paginate(request, table, per_page=PAGE_SIZE)
    return render(request, "watchlists/list.html", {"filter": filterset, "table": table, "status": status})


@require_safe
@permission_required("watchlists.view_watchlist", raise_exception=True)
def watchlist_detail_page(request, pk):
    try:
        watchlist = selectors.watchlist_get(watchlist_id=pk)
    except Watchlist.DoesNotExist:
        raise Http404("No such watchlist") from None
    filterset = WatchlistEntryFilter(
        request.GET, queryset=selectors.watchlist_entry_list(watchlist=watchlist)
    )
    status = filterset.current_status
    table = WatchlistEntryTable(
        filterset.qs, exclude=DELETED_COLUMNS if status == selectors.STATUS_ACTIVE else ()
    )
    table_paginate(request, table, per_page=PAGE_SIZE)
    context = {"watchlist": watchlist, "filter": filterset, "table": table, "status": status}
    context["add_form"] = WatchlistEntryQuickAddForm(auto_id="add_%s")
    return render(request, "watchlists/detail.html", context)
