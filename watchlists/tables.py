"""Tables of the watchlist pages."""

from urllib.parse import urlencode

import django_tables2 as tables
from django.template.defaultfilters import date as date_format
from django.urls import reverse
from django.utils import timezone

EMPTY = "—"
TIMESTAMP = "Y-m-d H:i T"


def entries_phrase(count: int, one: str = "entry", many: str = "entries") -> str:
    """Say how many entries, in words that agree with the number."""
    return f"{count} {one if count == 1 else many}"


def plate_search_url(plate: str) -> str:
    """Return the events search for one plate (its default window: the last 7 days)."""
    return f"{reverse('events:search')}?{urlencode({'plate': plate})}"


def _actions(template_name: str) -> tables.TemplateColumn:
    """A column of the buttons a row offers, from the given template."""
    return tables.TemplateColumn(template_name=template_name, verbose_name="", orderable=False)


class SoftDeletedRowsTable(tables.Table):
    """A table of soft-deleted rows: its own columns, then created, deleted by and at, and `actions`."""

    created_at = tables.DateTimeColumn(verbose_name="Created", format=TIMESTAMP)
    deleted_by = tables.Column(verbose_name="Deleted by", accessor="deleted_by__username", default=EMPTY)
    deleted_at = tables.DateTimeColumn(verbose_name="Deleted at", format=TIMESTAMP, default=EMPTY)

    class Meta:
        sequence = ("...", "created_at", "deleted_by", "deleted_at", "actions")
        row_attrs = {"class": lambda record: "deleted" if record.is_deleted else ""}


class WatchlistTable(SoftDeletedRowsTable):
    name = tables.Column(linkify=("watchlists:detail", {"pk": tables.A("pk")}))
    active_entries = tables.Column(verbose_name="Active entries", attrs={"td": {"class": "num"}})
    actions = _actions("watchlists/_watchlist_actions.html")

    class Meta(SoftDeletedRowsTable.Meta):
        order_by = ["name"]
        empty_text = "No watchlists match."

    def render_active_entries(self, value, record):
        if record.is_deleted and record.restorable_entries:
            return f"{value} ({entries_phrase(record.restorable_entries)} back on restore)"
        return value


class WatchlistEntryTable(SoftDeletedRowsTable):
    plate_number = tables.Column(
        verbose_name="Plate",
        linkify=lambda record: plate_search_url(record.plate_number),
        attrs={"a": {"title": "Where this plate was seen (events search)"}},
    )
    reason = tables.Column(default=EMPTY)
    created_at = tables.DateTimeColumn(verbose_name="Added", format=TIMESTAMP)  # to its watchlist
    actions = _actions("watchlists/_entry_actions.html")

    class Meta(SoftDeletedRowsTable.Meta):
        order_by = ["plate_number"]
        empty_text = "No entries match."

    def render_deleted_at(self, value, record):
        shown = date_format(timezone.localtime(value), TIMESTAMP)
        watchlist = record.watchlist
        if watchlist.is_deleted and value == watchlist.deleted_at:
            return f"{shown} (with the watchlist; comes back on restore)"
        return shown
