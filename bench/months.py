"""Calendar months in UTC as integers (year * 12 + month - 1), as the partition engine counts them."""

import datetime as dt


def month_index(moment: dt.datetime) -> int:
    """Return the month number of `moment` (in UTC)."""
    moment = moment.astimezone(dt.UTC)
    return moment.year * 12 + moment.month - 1


def month_start(index: int) -> dt.datetime:
    """Return the first instant of month `index`, midnight UTC on the 1st."""
    return dt.datetime(index // 12, index % 12 + 1, 1, tzinfo=dt.UTC)


def partition_name(index: int, table: str = "events") -> str:
    """Return the managed partition name of month `index`: <table>_YYYY_MM."""
    start = month_start(index)
    return f"{table}_{start.year:04d}_{start.month:02d}"
