"""Partition bounds: written with an explicit +00 offset, read back from pg_get_expr(relpartbound)."""

import datetime as dt
import re

from partitions.planner.months import UTC
from partitions.planner.periods import (
    period_index,
    period_partition_name,
    period_representable,
    period_start,
)

_RANGE_BOUND = re.compile(r"^FOR VALUES FROM \((?P<lower>.+)\) TO \((?P<upper>.+)\)$", re.S)
# MINVALUE / MAXVALUE (and ±infinity) as instants, so range comparisons need no special cases.
LOWEST = dt.datetime.min.replace(tzinfo=UTC)
HIGHEST = dt.datetime.max.replace(tzinfo=UTC)
_UNBOUNDED = {"MINVALUE": LOWEST, "'-infinity'": LOWEST, "MAXVALUE": HIGHEST, "'infinity'": HIGHEST}


def bound_literal(instant: dt.datetime) -> str:
    """Write a bound as text with an explicit +00 offset, independent of any session time zone."""
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S+00")


def _bound_value(text: str) -> dt.datetime | None:
    text = text.strip()
    if text in _UNBOUNDED:
        return _UNBOUNDED[text]
    if not (text.startswith("'") and text.endswith("'")):
        return None  # a multi-column or otherwise unexpected bound
    try:
        parsed = dt.datetime.fromisoformat(text[1:-1])
    except ValueError:
        return None  # BC dates and the like
    return parsed if parsed.tzinfo is not None else None


def parse_bound(expression: str) -> tuple[dt.datetime, dt.datetime] | None:
    """Parse pg_get_expr(relpartbound) of a one-column range partition read with TimeZone=UTC."""
    match = _RANGE_BOUND.match(expression.strip())
    if not match:
        return None
    lower, upper = _bound_value(match.group("lower")), _bound_value(match.group("upper"))
    if lower is None or upper is None:
        return None
    return lower, upper


def managed_period(
    interval: str, table: str, name: str, lower: dt.datetime | None, upper: dt.datetime | None
) -> int | None:
    """Return the period a child manages, or None: bounds exactly one period at UTC midnight, name to match.

    A daily table's child bounded by a whole month (or a monthly table's by a day) is not managed.
    """
    if lower is None or upper is None or lower.utcoffset() != dt.timedelta(0):
        return None
    period = period_index(interval, lower)
    if not period_representable(interval, period) or lower != period_start(interval, period):
        return None
    if upper != period_start(interval, period + 1):
        return None
    return period if name == period_partition_name(interval, table, period) else None


# A drain table (partitions/drain.py) is ours only with this comment: any other table of its name is left
# alone. The catalog reads it back to learn which period a drain table left behind belongs to.
DRAIN_SUFFIX = "_drain"
DRAIN_MARKER = "chaverim drain of {parent} from {start} to {end}"
_DRAIN_MARKER = re.compile(r"^chaverim drain of (?P<parent>\S+) from (?P<start>.+) to (?P<end>.+)$")


def drain_table_name(partition: str) -> str:
    """Return the name of a partition's drain table (within PostgreSQL's 63 bytes)."""
    return f"{partition[: 63 - len(DRAIN_SUFFIX)]}{DRAIN_SUFFIX}"


def drain_marker(parent: str, start: dt.datetime, end: dt.datetime) -> str:
    return DRAIN_MARKER.format(parent=parent, start=bound_literal(start), end=bound_literal(end))


def drain_period(interval: str, parent: str, relname: str, comment: str | None) -> int | None:
    """Return the period of one of `parent`'s drain tables from its name and marker, None if not ours."""
    match = _DRAIN_MARKER.match(comment or "")
    if match is None or match.group("parent") != parent:
        return None
    start = _bound_value(f"'{match.group('start')}'")
    if start is None or start.utcoffset() != dt.timedelta(0):
        return None
    period = period_index(interval, start)
    if not period_representable(interval, period):
        return None
    if comment != drain_marker(parent, period_start(interval, period), period_start(interval, period + 1)):
        return None
    return period if relname == drain_table_name(period_partition_name(interval, parent, period)) else None
