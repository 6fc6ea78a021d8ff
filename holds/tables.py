"""The table of the hold list."""

import datetime as dt

import django_tables2 as tables
from django.utils.html import format_html

EMPTY = "—"
UTC_MINUTE = "%Y-%m-%d %H:%M"


def utc_text(moment: dt.datetime | None) -> str:
    """Write a moment in UTC, to the minute (hold windows are set and read in UTC)."""
    return EMPTY if moment is None else f"{moment.astimezone(dt.UTC):{UTC_MINUTE}} UTC"


class HoldTable(tables.Table):
    id = tables.Column(verbose_name="Hold", linkify=("holds:detail", {"pk": tables.A("pk")}))
    case_number = tables.Column(verbose_name="Case", linkify=("holds:detail", {"pk": tables.A("pk")}))
    scope = tables.Column(verbose_name="Scope", accessor="plate_number", orderable=False, empty_values=())
    starts_at = tables.Column(verbose_name="From")
    ends_at = tables.Column(verbose_name="To")
    placed = tables.Column(verbose_name="Placed", accessor="placed_at")
    released = tables.Column(verbose_name="Released", accessor="released_at", empty_values=())

    class Meta:
        order_by = ["-placed"]
        empty_text = "No holds match."
        row_attrs = {"class": lambda record: "" if record.active else "deleted"}

    def render_id(self, value):
        return f"#{value}"

    def render_scope(self, record):
        plate = record.plate_number or "any plate"
        if record.collector_id is None:
            return plate
        collector = (
            record.collector.site_name if record.collector else f"unknown collector {record.collector_id}"
        )
        return f"{plate} at {collector}"

    def render_starts_at(self, value):
        return utc_text(value)

    def render_ends_at(self, value):
        return utc_text(value)

    def render_placed(self, value, record):
        return format_html("{} by {}", utc_text(value), record.placed_by.get_username())

    def render_released(self, value, record):
        if value is None:
            return format_html('<span class="badge ok">{}</span>', "Active")
        return format_html("{} by {}", utc_text(value), record.released_by.get_username())
