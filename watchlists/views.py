"""Watchlist pages: browse, create and edit, add and edit plates, import hotlists, soft delete and restore."""

from dataclasses import dataclass
from functools import partial, wraps

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.defaultfilters import date as date_format
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.pagination import table_paginate
from core.versioning import MAX_VERSION
from watchlists import selectors, services
from watchlists.errors import (
    ENTRY_CONFLICT_MESSAGE,
    DuplicatePlateError,
    EntryConflictError,
    HotlistChangedError,
    WatchlistError,
    WatchlistNameTakenError,
)
from watchlists.filters import WatchlistEntryFilter, WatchlistFilter
from watchlists.forms import (
    HotlistImportForm,
    WatchlistEntryEditForm,
    WatchlistEntryForm,
    WatchlistEntryQuickAddForm,
    WatchlistForm,
)
from watchlists.hotlist import HotlistPlan
from watchlists.models import Watchlist, WatchlistEntry
from watchlists.tables import EMPTY, TIMESTAMP, WatchlistEntryTable, WatchlistTable, entries_phrase

PAGE_SIZE = 50  # not a parameter: ?per_page= is ignored
DELETED_COLUMNS = ("deleted_by", "deleted_at")
PREVIEW_ROWS = 200  # lines shown of each kind in an import preview; the counts are always complete


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


# --- Editing: watchlists, plates, hotlist import ------------------------------------------------------------


def _on_active_watchlist(view):
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
@_on_active_watchlist
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
@_on_active_watchlist
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


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("watchlists.add_watchlistentry", raise_exception=True)
@_on_active_watchlist
def watchlist_import_page(request, watchlist):
    """Preview a hotlist against the watchlist (Preview), then import exactly that preview (Apply)."""
    pk = watchlist.pk
    if request.method != "POST":
        return render(
            request, "watchlists/import.html", {"watchlist": watchlist, "form": HotlistImportForm()}
        )
    form = HotlistImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "watchlists/import.html", {"watchlist": watchlist, "form": form})
    digest, status, changed_message = form.cleaned_data["digest"], 200, ""
    if request.POST.get("action") == "apply" and digest:
        try:
            plan = services.watchlist_hotlist_import(
                watchlist_id=pk,
                hotlist=form.hotlist,
                actor=request.user,
                expected_digest=digest,
                source=form.cleaned_data["source"],
            )
        except HotlistChangedError as changed:
            plan, status, changed_message = changed.plan, 409, str(changed)
        except WatchlistError as exc:
            messages.error(request, str(exc))
            return redirect("watchlists:detail", pk=pk)
        else:
            messages.success(request, _imported_message(watchlist.name, plan))
            return redirect("watchlists:detail", pk=pk)
    else:
        plan = selectors.watchlist_hotlist_preview(watchlist_id=pk, hotlist=form.hotlist)
    # The preview form holds the text as read (an upload too), to be applied, or changed and previewed again.
    preview_form = HotlistImportForm(
        initial={
            "text": form.cleaned_data["text"],
            "source": form.cleaned_data["source"],
            "digest": plan.digest,
        }
    )
    context = {
        "watchlist": watchlist,
        "form": preview_form,
        "plan": plan,
        "sections": preview_sections(plan),
        "changed_message": changed_message,
    }
    return render(request, "watchlists/import.html", context, status=status)


@dataclass(frozen=True)
class PreviewSection:
    """One table of an import preview: a kind of line, its first PREVIEW_ROWS rows, how many there are."""

    title: str
    columns: tuple[str, ...]
    rows: list[tuple]
    total: int
    open: bool


def preview_sections(plan: HotlistPlan) -> list[PreviewSection]:
    """Return the preview's tables, what needs a look first: invalid lines, duplicates, restores, the rest."""
    shown = slice(0, PREVIEW_ROWS)
    return [
        PreviewSection(
            title="Invalid lines, skipped",
            columns=("Line", "As written", "Why"),
            rows=[(item.line, Truncator(item.text).chars(80), item.problem) for item in plan.invalid[shown]],
            total=len(plan.invalid),
            open=True,
        ),
        PreviewSection(
            title="Duplicates, skipped (the first line of each plate is imported)",
            columns=("Line", "Plate", "First on line"),
            rows=[(item.line, item.plate, item.first_line) for item in plan.duplicates[shown]],
            total=len(plan.duplicates),
            open=True,
        ),
        PreviewSection(
            title="Deleted entries restored",
            columns=("Line", "Plate", "Deleted at", "New reason"),
            rows=[
                (
                    item.line.line,
                    item.line.plate,
                    date_format(timezone.localtime(item.deleted_at), TIMESTAMP) if item.deleted_at else EMPTY,
                    item.line.reason or "(keeps its reason)",
                )
                for item in plan.restore[shown]
            ],
            total=len(plan.restore),
            open=True,
        ),
        PreviewSection(
            title="Already on the list, skipped",
            columns=("Line", "Plate"),
            rows=[(item.line, item.plate) for item in plan.already_active[shown]],
            total=len(plan.already_active),
            open=False,
        ),
        PreviewSection(
            title="New plates",
            columns=("Line", "Plate", "Reason"),
            rows=[(item.line, item.plate, item.reason or EMPTY) for item in plan.add[shown]],
            total=len(plan.add),
            open=False,
        ),
    ]


def _imported_message(name: str, plan: HotlistPlan) -> str:
    counts = plan.summary()
    skipped = [
        entries_phrase(counts["duplicates"], "duplicate", "duplicates"),
        f"{entries_phrase(counts['already_active'], 'plate', 'plates')} already on the list",
        entries_phrase(counts["invalid"], "invalid line", "invalid lines"),
    ]
    return (
        f"Imported the hotlist into “{name}”: {entries_phrase(counts['added'], 'plate', 'plates')} added, "
        f"{counts['restored']} restored; skipped {', '.join(skipped)}."
    )
