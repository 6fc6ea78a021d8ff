"""Where the rows waiting in DEFAULT beyond the horizon came from: each table's app can say (rule 4a).

Rows dated further ahead than premake plus the horizon (PARTITION_FUTURE_HORIZON_MONTHS for a monthly table,
its registry entry's `future_horizon` in days for a daily one) stay in DEFAULT and are shown as a warning.
The engine knows no app: the composition root registers, for a table, a function that names the sources of
its rows dated from an instant on (the events app names the collectors) and links to them.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class FarFutureSource:
    """Where one period's far-future rows came from, and a page that lists them."""

    source: str  # "collector Bridge Street", "collectors Bridge Street and Quay"
    url: str | None = None


# describer(since) -> {period label: FarFutureSource} for the rows dated `since` or later; labels are the
# table's periods: "YYYY-MM" for a monthly table, "YYYY-MM-DD" for a daily one.
FarFutureDescriber = Callable[[dt.datetime], dict[str, FarFutureSource]]

_describers: dict[str, FarFutureDescriber] = {}


def far_future_describer_register(table: str, describer: FarFutureDescriber) -> None:
    """Register (or replace) the function that names the sources of `table`'s far-future rows."""
    _describers[table] = describer


def far_future_describer(table: str) -> FarFutureDescriber | None:
    """Return the describer registered for `table`, if any."""
    return _describers.get(table)
