"""Template filters the pages share: times with their zone and how long ago, counts with separators."""

import datetime as dt

from django import template
from django.template.defaultfilters import date as date_format
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince, timeuntil

register = template.Library()

EMPTY = "—"
JUST_NOW = dt.timedelta(minutes=1)


def relative_time(instant: dt.datetime, *, now: dt.datetime | None = None) -> str:
    """Say how far an instant is from now, coarsely: `4 minutes ago`, `in 2 hours`, `just now`."""
    now = now or timezone.now()
    if abs(now - instant) < JUST_NOW:
        return "just now"
    if instant < now:
        return f"{timesince(instant, now, depth=1)} ago"
    return f"in {timeuntil(instant, now, depth=1)}"


@register.filter
def when(instant: dt.datetime | None, precision: str = "minutes"):
    """Write an instant with its time zone and, beside it, how long ago or ahead it is.

    `{{ run.started_at|when }}` gives `2026-11-29 08:15 UTC (4 minutes ago)`; `|when:"seconds"` adds seconds.
    """
    if instant is None:
        return EMPTY
    local = timezone.localtime(instant)
    shown = date_format(local, "Y-m-d H:i:s T" if precision == "seconds" else "Y-m-d H:i T")
    return format_html(
        '<time datetime="{}">{}</time> <span class="muted">({})</span>',
        instant.astimezone(dt.UTC).isoformat(),
        shown,
        relative_time(instant),
    )


@register.filter
def grouped(count: int | None) -> str:
    """Write a count with thousands separators (12,345); None as a dash."""
    if count is None or count == "":
        return EMPTY
    return f"{int(count):,}"
