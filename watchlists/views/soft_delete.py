"""Pages that soft-delete and restore watchlists and their entries."""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from core.versioning import MAX_VERSION
from watchlists import selectors, services
from watchlists.errors import WatchlistError
from watchlists.models import Watchlist, WatchlistEntry
from watchlists.tables import entries_phrase

# A GET asks to confirm a delete; only the confirmation page's POST deletes.
CONFIRM_THEN_POST = ["GET", "HEAD", "POST"]


def _next_path(request, default: str) -> str:
    """Return the request's `next` (form or query) when it is a local URL, else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return default
    return target


def _posted_version(request) -> int | None:
    """Return the entry version a form sent, or None when it sent none (or not a version)."""
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        return None
    return version if 1 <= version <= MAX_VERSION else None


def _back(request, default: str) -> HttpResponseRedirect:
    """Redirect to the form's `next` when it is a local URL, else to `default`."""
    return HttpResponseRedirect(_next_path(request, default))


def _deleted_message(name: str, entries: int) -> str:
    entries_deleted = entries_phrase(entries, "active entry", "active entries")
    return f"Deleted the watchlist “{name}” and {entries_deleted}. It can be restored from the Deleted view."


def _restored_message(name: str, entries: int) -> str:
    return f"Restored the watchlist “{name}” with {entries_phrase(entries)}."


@require_http_methods(CONFIRM_THEN_POST)
@permission_required("watchlists.delete_watchlist", raise_exception=True)
def watchlist_delete_page(request, pk):
    """Ask to confirm (GET), naming the watchlist and what goes with it; soft-delete it (POST)."""
    if request.method == "POST":
        return _watchlist_change(
            request,
            pk,
            services.watchlist_soft_delete,
            done=_deleted_message,
            unchanged="was already deleted",
        )
    try:
        watchlist = selectors.watchlist_get(watchlist_id=pk)
    except Watchlist.DoesNotExist:
        raise Http404("No such watchlist") from None
    back = _next_path(request, reverse("watchlists:detail", kwargs={"pk": pk}))
    return render(request, "watchlists/confirm_delete.html", {"watchlist": watchlist, "back": back})


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


@require_http_methods(CONFIRM_THEN_POST)
@permission_required("watchlists.delete_watchlistentry", raise_exception=True)
def watchlist_entry_delete_page(request, pk, entry_id):
    """Ask to confirm (GET), naming the plate and its watchlist; soft-delete the entry (POST)."""
    if request.method == "POST":
        # The version the confirmation page showed, when sent: a plate edited since is not deleted unseen.
        delete = partial(services.watchlist_entry_soft_delete, expected_version=_posted_version(request))
        return _entry_change(request, pk, entry_id, delete, "Deleted", "deleted")
    try:
        entry = selectors.watchlist_entry_get(watchlist_id=pk, entry_id=entry_id)
    except WatchlistEntry.DoesNotExist:
        raise Http404("No such watchlist entry") from None
    back = _next_path(request, reverse("watchlists:detail", kwargs={"pk": pk}))
    return render(request, "watchlists/confirm_entry_delete.html", {"entry": entry, "back": back})


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
