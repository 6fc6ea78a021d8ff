"""The maintenance policy of one registered parent, as the planner reads it."""

import datetime as dt
from dataclasses import dataclass

from partitions.planner.periods import (
    MONTH,
    period_index,
    period_label,
    period_partition_name,
    period_start,
    period_unit,
    periods_before,
)


@dataclass(frozen=True)
class PartitionedTable:
    """One registered parent: its time column, its interval and the maintenance policy that applies to it.

    `premake`, `retention` and `future_horizon` count periods of `interval` (months or days).
    """

    table: str
    column: str
    premake: int
    retention: int
    retention_mode: str
    lock_timeout: float
    max_drops_per_run: int
    # Periods beyond premake that rows waiting in DEFAULT may have made for them (rule 4a); further ahead,
    # such rows stay in DEFAULT and are reported (a camera's clock, more likely than a real detection).
    future_horizon: int = 2
    # How long one action keeps retrying brief lock waits before it is left for the next run (rule 6).
    action_patience: float = 60.0
    interval: str = MONTH

    @property
    def default_partition(self) -> str:
        return f"{self.table}_default"

    @property
    def horizon(self) -> int:
        """Return how many periods after the current one may be created at most: premake plus the horizon."""
        return self.premake + self.future_horizon

    def period_index(self, instant: dt.datetime) -> int:
        """Return the period (UTC month or day, as an integer) that holds an aware instant."""
        return period_index(self.interval, instant)

    def period_start(self, period: int) -> dt.datetime:
        """Return the lower bound of a period (00:00 UTC); its upper bound is `period_start(period + 1)`."""
        return period_start(self.interval, period)

    def period_label(self, period: int) -> str:
        return period_label(self.interval, period)

    def partition_name(self, period: int) -> str:
        return period_partition_name(self.interval, self.table, period)

    def periods_text(self, count: int) -> str:
        """Return a count of this table's periods with its unit: "84 months", "7 days"."""
        return period_unit(self.interval, count)

    def retention_cutoff(self, instant: dt.datetime) -> dt.datetime:
        """Return `instant` minus retention: a period ending at or before it is past retention."""
        return periods_before(self.interval, instant, self.retention)

    def periods_ahead_of(self, now: dt.datetime, wall_now: dt.datetime) -> int:
        """Count the periods a planning `now` is ahead of the wall clock (negative when behind)."""
        return self.period_index(now) - self.period_index(wall_now)
