"""Watchlist pages: browse, soft delete and restore."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from core.pagination import table_paginate
from watchlists import selectors, services
from watchlists.errors import WatchlistError
from watchlists.filters import WatchlistEntryFilter, WatchlistFilter
from watchlists.models import Watchlist, WatchlistEntry
from watchlists.tables import WatchlistEntryTable, WatchlistTable, entries_phrase

PAGE_SIZE = 50  # not a parameter: ?per_page= is ignored
DELETED_COLUMNS = ("deleted_by", "deleted_at")


def _back(request, default: str) -> HttpResponseRedirect:
    """Redirect to the form's `next` when it is a local URL, else to `default`."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = default
    return HttpResponseRedirect(target)


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
    return render(request, "watchlists/detail.html", context)


def _deleted_message(name: str, entries: int) -> str:
    entries_deleted = entries_phrase(entries, "active entry", "active entries")
    return f"Deleted the watchlist “{name}” and {entries_deleted}. It can be restored from the Deleted view."


def _restored_message(name: str, entries: int) -> str:
    return f"Restored the watchlist “{name}” with {entries_phrase(entries)}."


@require_POST
@permission_required("watchlists.delete_watchlist", raise_exception=True)
def watchlist_delete_page(request, pk):
    return _watchlist_change(
        request, pk, services.watchlist_soft_delete, done=_deleted_message, unchanged="was already deleted"
    )


@require_POST
@permission_required("watchlists.restore_watchlist", raise_exception=True)
def watchlist_restore_page(request, pk):
    return _watchlist_change(
        request, pk, services.watchlist_restore, done=_restored_message, unchanged="was not deleted"
    )


def _watchlist_change(request, pk, service, *, done, unchanged: str):
    """Run one watchlist service and redirect back with its outcome as a message."""
    default = reverse("watchlists:list")
    try:
        counts = service(watchlist_id=pk, actor=request.user)
    except Watchlist.DoesNotExist:
        raise Http404("No such watchlist") from None
    except WatchlistError as exc:
        messages.error(request, str(exc))
        return _back(request, default)
    name = Watchlist.all_objects.values_list("name", flat=True).get(pk=pk)
    if counts.watchlists:
        messages.success(request, done(name, counts.entries))
    else:
        messages.warning(request, f"The watchlist “{name}” {unchanged}.")
    return _back(request, default)


@require_POST
@permission_required("watchlists.delete_watchlistentry", raise_exception=True)
def watchlist_entry_delete_page(request, pk, entry_id):
    return _entry_change(request, pk, entry_id, services.watchlist_entry_soft_delete, "Deleted", "deleted")


@require_POST
@permission_required("watchlists.restore_watchlist", raise_exception=True)
def watchlist_entry_restore_page(request, pk, entry_id):
    return _entry_change(request, pk, entry_id, services.watchlist_entry_restore, "Restored", "active")


def _entry_change(request, pk, entry_id, service, done: str, state: str):
    """Run one entry service and redirect back with its outcome as a message."""
    default = reverse("watchlists:detail", kwargs={"pk": pk})
    try:
        changed = service(entry_id=entry_id, watchlist_id=pk, actor=request.user)
    except (WatchlistEntry.DoesNotExist, Watchlist.DoesNotExist):
        raise Http404("No such watchlist entry") from None
    except WatchlistError as exc:
        messages.error(request, str(exc))
        return _back(request, default)
    plate = WatchlistEntry.all_objects.values_list("plate_number", flat=True).get(pk=entry_id)
    if changed:
        undo = " It can be restored." if state == "deleted" else ""
        messages.success(request, f"{done} the plate {plate}.{undo}")
    else:
        messages.warning(request, f"The plate {plate} was already {state}.")
    return _back(request, default)
