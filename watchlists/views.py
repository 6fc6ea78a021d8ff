"""Watchlist pages: browse, soft delete and restore."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe
from django_tables2 import RequestConfig

from watchlists import selectors, services
from watchlists.errors import WatchlistError
from watchlists.filters import WatchlistEntryFilter, WatchlistFilter
from watchlists.models import Watchlist, WatchlistEntry
from watchlists.tables import WatchlistEntryTable, WatchlistTable, entries_phrase

PAGE_SIZE = 50
DELETED_COLUMNS = ("deleted_by", "deleted_at")


def _paginate(request, table) -> None:
    """Sort the table as asked and show one page of PAGE_SIZE rows (the page size is not a parameter)."""
    RequestConfig(request, paginate=False).configure(table)
    page = request.GET.get("page", "1")
    try:
        table.paginate(page=page, per_page=PAGE_SIZE)
    except PageNotAnInteger:
        table.page = table.paginator.page(1)
    except EmptyPage:
        table.page = table.paginator.page(table.paginator.num_pages)


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
def watchlist_list(request):
    filterset = WatchlistFilter(request.GET, queryset=selectors.watchlist_list())
    status = filterset.current_status
    table = WatchlistTable(filterset.qs, exclude=DELETED_COLUMNS if status == selectors.STATUS_ACTIVE else ())
    _paginate(request, table)
    return render(request, "watchlists/list.html", {"filter": filterset, "table": table, "status": status})


@require_safe
@permission_required("watchlists.view_watchlist", raise_exception=True)
def watchlist_detail(request, pk):
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
    _paginate(request, table)
    context = {"watchlist": watchlist, "filter": filterset, "table": table, "status": status}
    return render(request, "watchlists/detail.html", context)


@require_POST
@permission_required("watchlists.delete_watchlist", raise_exception=True)
def watchlist_delete(request, pk):
    try:
        counts = services.watchlist_soft_delete(watchlist_id=pk, actor=request.user)
    except Watchlist.DoesNotExist:
        raise Http404("No such watchlist") from None
    name = Watchlist.all_objects.values_list("name", flat=True).get(pk=pk)
    if counts.watchlists:
        entries = entries_phrase(counts.entries, "active entry", "active entries")
        messages.success(
            request,
            f"Deleted the watchlist “{name}” and {entries}. It can be restored from the Deleted view.",
        )
    else:
        messages.warning(request, f"The watchlist “{name}” was already deleted.")
    return _back(request, reverse("watchlists:list"))


@require_POST
@permission_required("watchlists.restore_watchlist", raise_exception=True)
def watchlist_restore(request, pk):
    try:
        counts = services.watchlist_restore(watchlist_id=pk, actor=request.user)
    except Watchlist.DoesNotExist:
        raise Http404("No such watchlist") from None
    except WatchlistError as exc:
        messages.error(request, str(exc))
        return _back(request, reverse("watchlists:list"))
    name = Watchlist.all_objects.values_list("name", flat=True).get(pk=pk)
    if counts.watchlists:
        messages.success(request, f"Restored the watchlist “{name}” with {entries_phrase(counts.entries)}.")
    else:
        messages.warning(request, f"The watchlist “{name}” was not deleted.")
    return _back(request, reverse("watchlists:list"))


@require_POST
@permission_required("watchlists.delete_watchlistentry", raise_exception=True)
def watchlist_entry_delete(request, pk, entry_id):
    return _entry_change(request, pk, entry_id, services.watchlist_entry_soft_delete, "Deleted", "deleted")


@require_POST
@permission_required("watchlists.restore_watchlist", raise_exception=True)
def watchlist_entry_restore(request, pk, entry_id):
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
