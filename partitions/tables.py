"""Tables of the partition status page."""

import datetime as dt

import django_tables2 as tables
from django.utils.html import format_html

from partitions.humanize import human_bytes
from partitions.planner import DEFAULT, MANAGED, UNMANAGED

EMPTY = "—"
STATE_BADGES = {MANAGED: "ok", DEFAULT: "deleted", UNMANAGED: "warning"}


def bound_display(instant: dt.datetime) -> str:
    """Show a bound in UTC: the date alone when it is midnight, as monthly and daily bounds are."""
    utc = instant.astimezone(dt.UTC)
    if utc.time() == dt.time(0):
        return f"{utc:%Y-%m-%d}"
    return f"{utc:%Y-%m-%d %H:%M:%S} UTC"


class PartitionTable(tables.Table):
    """The children of one partitioned table, from catalog statistics; sorted in Python (O(partitions))."""

    name = tables.Column()
    start = tables.Column(verbose_name="From", default=EMPTY)
    end = tables.Column(verbose_name="To", default=EMPTY)
    state = tables.Column()
    estimated_rows = tables.Column(
        verbose_name="Estimated rows", default="unknown", attrs={"td": {"class": "num"}}
    )
    total_bytes = tables.Column(verbose_name="Size", attrs={"td": {"class": "num"}})

    class Meta:
        empty_text = "No partitions."
        attrs = {"class": "partitions"}

    def render_start(self, value):
        return bound_display(value)

    def render_end(self, value):
        return bound_display(value)

    def render_state(self, value):
        return format_html('<span class="badge {}">{}</span>', STATE_BADGES.get(value, "warning"), value)

    def render_estimated_rows(self, value):
        return f"{value:,}"

    def render_total_bytes(self, value):
        return human_bytes(value)
