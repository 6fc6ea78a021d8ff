"""Calendar months in UTC as integers, `year * 12 + month - 1`, so month arithmetic is exact.

Never `timedelta(days=30)`: every bound is the 1st of a month at 00:00 UTC.
"""

import datetime as dt

UTC = dt.UTC
MIN_YEAR, MAX_YEAR = 1000, 9999  # a partition name holds a four-digit year


def month_index(instant: dt.datetime) -> int:
    """Return the UTC calendar month of an aware instant as year * 12 + month - 1."""
    if instant.tzinfo is None:
        raise ValueError("month_index needs an aware datetime")
    utc = instant.astimezone(UTC)
    return utc.year * 12 + utc.month - 1


def month_start(month: int) -> dt.datetime:
    """Return the first instant (00:00 UTC on the 1st) of a month index."""
    year, month0 = divmod(month, 12)
    return dt.datetime(year, month0 + 1, 1, tzinfo=UTC)


def month_label(month: int) -> str:
    """Return a month index as YYYY-MM."""
    year, month0 = divmod(month, 12)
    return f"{year:04d}-{month0 + 1:02d}"


def partition_name(table: str, month: int) -> str:
    """Return the name of the managed partition of a month: <table>_YYYY_MM."""
    year, month0 = divmod(month, 12)
    return f"{table}_{year:04d}_{month0 + 1:02d}"


def representable(month: int) -> bool:
    """Tell whether a month can be named as a partition (four-digit year, and a next month to bound it)."""
    return MIN_YEAR * 12 <= month < (MAX_YEAR + 1) * 12 - 1


def subtract_months(instant: dt.datetime, months: int) -> dt.datetime:
    """Return the same wall time `months` earlier in UTC, clamping the day to the month's length."""
    utc = instant.astimezone(UTC)
    target = month_index(utc) - months
    year, month0 = divmod(target, 12)
    last_day = (month_start(target + 1) - dt.timedelta(days=1)).day
    return utc.replace(year=year, month=month0 + 1, day=min(utc.day, last_day))
