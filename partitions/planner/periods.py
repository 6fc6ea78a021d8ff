"""Partition periods (calendar months or days in UTC) as integers, so period arithmetic is exact.

A monthly table counts `year * 12 + month - 1` (see `months`); a daily one counts the proleptic Gregorian
ordinal of the UTC date. Both start at 00:00 UTC, whatever the database or display time zone: a day in a
time zone with DST is 23 or 25 hours long there, but every UTC day is 24 hours, and bounds stay UTC.
"""

import datetime as dt

from partitions.planner.months import (
    MAX_YEAR,
    MIN_YEAR,
    UTC,
    month_index,
    month_label,
    month_start,
    partition_name,
    representable,
    subtract_months,
)

MONTH, DAY = "month", "day"
INTERVALS = (MONTH, DAY)
ADJECTIVES = {MONTH: "monthly", DAY: "daily"}
# The last UTC day that can still be named and bounded: its next day is 9999-12-31.
_FIRST_DAY = dt.date(MIN_YEAR, 1, 1).toordinal()
_LAST_DAY = dt.date(MAX_YEAR, 12, 31).toordinal()


def _check(interval: str) -> None:
    if interval not in INTERVALS:
        raise ValueError(f"unknown interval {interval!r}: expected one of {', '.join(INTERVALS)}")


def period_index(interval: str, instant: dt.datetime) -> int:
    """Return the UTC month or day of an aware instant as an integer."""
    _check(interval)
    if interval == MONTH:
        return month_index(instant)
    if instant.tzinfo is None:
        raise ValueError("period_index needs an aware datetime")
    return instant.astimezone(UTC).date().toordinal()


def period_start(interval: str, period: int) -> dt.datetime:
    """Return the first instant (00:00 UTC) of a period."""
    _check(interval)
    if interval == MONTH:
        return month_start(period)
    return dt.datetime.combine(dt.date.fromordinal(period), dt.time(), tzinfo=UTC)


def period_label(interval: str, period: int) -> str:
    """Return a period as YYYY-MM (months) or YYYY-MM-DD (days)."""
    _check(interval)
    if interval == MONTH:
        return month_label(period)
    if period > dt.date.max.toordinal():
        return "after 9999-12-31"  # a planning `now` at the end of time: reported, never named
    if period < 1:
        return "before 0001-01-01"  # rows dated BC, which PostgreSQL holds and Python does not
    return dt.date.fromordinal(period).isoformat()


def period_partition_name(interval: str, table: str, period: int) -> str:
    """Return the name of a period's managed partition: <table>_YYYY_MM or <table>_YYYY_MM_DD."""
    _check(interval)
    if interval == MONTH:
        return partition_name(table, period)
    return f"{table}_{dt.date.fromordinal(period):%Y_%m_%d}"


def period_representable(interval: str, period: int) -> bool:
    """Tell whether a period can be named (four-digit year) and bounded (it has a next period)."""
    _check(interval)
    if interval == MONTH:
        return representable(period)
    return _FIRST_DAY <= period < _LAST_DAY


def period_bounded(interval: str, period: int) -> bool:
    """Tell whether a period's bounds are instants Python can hold (year 1 to 9999), named or not."""
    _check(interval)
    if interval == MONTH:
        return 12 <= period < (MAX_YEAR + 1) * 12 - 1  # January of year 1 up to November 9999
    return 1 <= period < _LAST_DAY


def periods_before(interval: str, instant: dt.datetime, count: int) -> dt.datetime:
    """Return `instant` moved back `count` periods in UTC: calendar months (day clamped), or whole days."""
    _check(interval)
    if interval == MONTH:
        return subtract_months(instant, count)
    return instant.astimezone(UTC) - dt.timedelta(days=count)


def period_unit(interval: str, count: int) -> str:
    """Return `count` with its unit, for sentences: "84 months", "1 day"."""
    _check(interval)
    return f"{count} {interval}{'' if count == 1 else 's'}"
