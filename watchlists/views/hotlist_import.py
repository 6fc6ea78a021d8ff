"""The page that previews and imports a hotlist into a watchlist."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import redirect, render
from django.template.defaultfilters import date as date_format
from django.utils import timezone
from django.utils.text import Truncator
from django.views.decorators.http import require_http_methods

from watchlists import selectors, services
from watchlists.errors import HotlistChangedError, WatchlistError
from watchlists.forms import HotlistImportForm
from watchlists.hotlist import HotlistPlan
from watchlists.tables import EMPTY, TIMESTAMP, entries_phrase
from watchlists.views.edit import active_watchlist_required

PREVIEW_ROWS = 200  # lines shown of each kind in an import preview; the counts are always complete


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("watchlists.add_watchlistentry", raise_exception=True)
@active_watchlist_required
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
