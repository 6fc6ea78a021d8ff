"""Pages that create and edit watchlists and their entries."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from watchlists import selectors, services
from watchlists.errors import (
    ENTRY_CONFLICT_MESSAGE,
    DuplicatePlateError,
    EntryConflictError,
    WatchlistError,
    WatchlistNameTakenError,
)
from watchlists.forms import WatchlistEntryEditForm, WatchlistEntryForm, WatchlistForm
from watchlists.models import Watchlist, WatchlistEntry


def active_watchlist_required(view):
    """Call `view(request, watchlist)` with the URL's watchlist; a deleted one redirects to its page."""

    @wraps(view)
    def on_active_watchlist(request, pk):
        try:
            watchlist = selectors.watchlist_get(watchlist_id=pk)
        except Watchlist.DoesNotExist:
            raise Http404("No such watchlist") from None
        if watchlist.is_deleted:
            message = f"The watchlist “{watchlist.name}” is deleted; restore it before changing it."
            messages.error(request, message)
            return redirect("watchlists:detail", pk=pk)
        return view(request, watchlist)

    return on_active_watchlist


def _form_save(request, form, save, *, clash: type[WatchlistError], field: str, back: str):
    """Save a posted, valid form with `save()` and redirect with its message; None shows the form again.

    `save` returns the success message and where to go. A `clash` (a name or plate in use) is an error on
    `field`; any other domain error is a message on the way `back`.
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        message, target = save()
    except clash as exc:
        form.add_error(field, str(exc))
        return None
    except WatchlistError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    messages.success(request, message)
    return redirect(target)


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("watchlists.add_watchlist", raise_exception=True)
def watchlist_create_page(request):
    form = WatchlistForm(request.POST) if request.method == "POST" else WatchlistForm()

    def create():
        watchlist = services.watchlist_create(**form.cleaned_data, actor=request.user)
        message = f"Created the watchlist “{watchlist.name}”: add plates or import a hotlist."
        return message, reverse("watchlists:detail", kwargs={"pk": watchlist.pk})

    back = reverse("watchlists:list")
    response = _form_save(request, form, create, clash=WatchlistNameTakenError, field="name", back=back)
    return response or render(request, "watchlists/watchlist_form.html", {"form": form, "watchlist": None})


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("watchlists.change_watchlist", raise_exception=True)
@active_watchlist_required
def watchlist_edit_page(request, watchlist):
    pk = watchlist.pk
    back = reverse("watchlists:detail", kwargs={"pk": pk})
    if request.method == "POST":
        # A fresh copy to validate: a refused name must not show in the page's title.
        form = WatchlistForm(request.POST, instance=Watchlist.all_objects.get(pk=pk))
    else:
        form = WatchlistForm(instance=watchlist)

    def update():
        updated = services.watchlist_update(watchlist_id=pk, **form.cleaned_data, actor=request.user)
        return f"Saved the watchlist “{updated.name}”.", back

    response = _form_save(request, form, update, clash=WatchlistNameTakenError, field="name", back=back)
    return response or render(
        request, "watchlists/watchlist_form.html", {"form": form, "watchlist": watchlist}
    )


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("watchlists.add_watchlistentry", raise_exception=True)
@active_watchlist_required
def watchlist_entry_add_page(request, watchlist):
    pk = watchlist.pk
    back = reverse("watchlists:detail", kwargs={"pk": pk})
    form = WatchlistEntryForm(request.POST) if request.method == "POST" else WatchlistEntryForm()

    def add():
        added = services.watchlist_entry_create(watchlist_id=pk, **form.cleaned_data, actor=request.user)
        plate = added.entry.plate_number
        if added.restored:
            return f"Restored the plate {plate}: it had been deleted from this list.", back
        return f"Added the plate {plate}.", back

    response = _form_save(request, form, add, clash=DuplicatePlateError, field="plate_number", back=back)
    context = {"watchlist": watchlist, "form": form, "entry": None}
    return response or render(request, "watchlists/entry_form.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("watchlists.change_watchlistentry", raise_exception=True)
def watchlist_entry_edit_page(request, pk, entry_id):
    """Edit a plate at the loaded version; a conflict answers 409 with a comparison and the input kept."""
    try:
        entry = selectors.watchlist_entry_get(watchlist_id=pk, entry_id=entry_id)
    except WatchlistEntry.DoesNotExist:
        raise Http404("No such watchlist entry") from None
    if entry.is_deleted or entry.watchlist.is_deleted:
        messages.error(request, f"The plate {entry.plate_number} is deleted; restore it before editing it.")
        return redirect("watchlists:detail", pk=pk)
    context = {"watchlist": entry.watchlist, "entry": entry}
    if request.method != "POST":
        form = WatchlistEntryEditForm(initial=WatchlistEntryEditForm.loaded_initial(entry))
        return render(request, "watchlists/entry_form.html", {**context, "form": form})
    form = WatchlistEntryEditForm(request.POST)
    if not form.is_valid():
        return render(request, "watchlists/entry_form.html", {**context, "form": form})
    try:
        updated = services.watchlist_entry_update(
            entry_id=entry_id,
            watchlist_id=pk,
            expected_version=form.cleaned_data["version"],
            changes=form.changes(),
            actor=request.user,
        )
    except EntryConflictError as conflict:
        context.update(
            entry=conflict.current,
            form=form.rebased_on(conflict.current),
            conflict_message=ENTRY_CONFLICT_MESSAGE,
            comparison=form.comparison(conflict.current),
        )
        return render(request, "watchlists/entry_form.html", context, status=409)
    except DuplicatePlateError as exc:
        form.add_error("plate_number", str(exc))
        return render(request, "watchlists/entry_form.html", {**context, "form": form})
    except WatchlistError as exc:
        messages.error(request, str(exc))
        return redirect("watchlists:detail", pk=pk)
    messages.success(request, f"Saved the plate {updated.plate_number} (now version {updated.version}).")
    return redirect("watchlists:detail", pk=pk)
