"""Tables of the watchlist pages."""

import django_tables2 as tables
from django.template.defaultfilters import date as date_format
from django.utils import timezone

from watchlists.models import Watchlist, WatchlistEntry

EMPTY = "—"


def entries_phrase(count: int, one: str = "entry", many: str = "entries") -> str:
    """Say how many entries, in words that agree with the number."""
    return f"{count} {one if count == 1 else many}"


class WatchlistTable(tables.Table):
    name = tables.Column(linkify=("watchlists:detail", {"pk": tables.A("pk")}))
    active_entries = tables.Column(verbose_name="Active entries", attrs={"td": {"class": "num"}})
    created_at = tables.DateTimeColumn(verbose_name="Created", format="Y-m-d H:i")
    deleted_by = tables.Column(verbose_name="Deleted by", accessor="deleted_by__username", default=EMPTY)
    deleted_at = tables.DateTimeColumn(verbose_name="Deleted at", format="Y-m-d H:i", default=EMPTY)
    actions = tables.TemplateColumn(
        template_name="watchlists/_watchlist_actions.html", verbose_name="", orderable=False
    )

    class Meta:
        model = Watchlist
        fields = ["name", "active_entries", "created_at", "deleted_by", "deleted_at", "actions"]
        order_by = ["name"]
        empty_text = "No watchlists match."
        row_attrs = {"class": lambda record: "deleted" if record.is_deleted else ""}

    def render_active_entries(self, value, record):
        if record.is_deleted and record.restorable_entries:
            return f"{value} ({entries_phrase(record.restorable_entries)} back on restore)"
        return value


class WatchlistEntryTable(tables.Table):
    plate_number = tables.Column(verbose_name="Plate")
    reason = tables.Column(default=EMPTY)
    created_at = tables.DateTimeColumn(verbose_name="Added", format="Y-m-d H:i")
    deleted_by = tables.Column(verbose_name="Deleted by", accessor="deleted_by__username", default=EMPTY)
    deleted_at = tables.DateTimeColumn(verbose_name="Deleted at", format="Y-m-d H:i", default=EMPTY)
    actions = tables.TemplateColumn(
        template_name="watchlists/_entry_actions.html", verbose_name="", orderable=False
    )

    class Meta:
        model = WatchlistEntry
        fields = ["plate_number", "reason", "created_at", "deleted_by", "deleted_at", "actions"]
        order_by = ["plate_number"]
        empty_text = "No entries match."
        row_attrs = {"class": lambda record: "deleted" if record.is_deleted else ""}

    def render_deleted_at(self, value, record):
        shown = date_format(timezone.localtime(value), "Y-m-d H:i")
        watchlist = record.watchlist
        if watchlist.is_deleted and value == watchlist.deleted_at:
            return f"{shown} (with the watchlist; comes back on restore)"
        return shown
