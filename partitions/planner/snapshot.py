"""What the catalog says about one registered parent, as plain values the planner can reason about."""

import datetime as dt
from dataclasses import dataclass, field

from partitions.planner.periods import MONTH, period_start

# The state of a child: the DEFAULT partition, a managed period, or anything else (reported, never touched).
DEFAULT, MANAGED, UNMANAGED = "default", "managed", "unmanaged"


@dataclass(frozen=True)
class Child:
    """One partition of a parent as the catalog describes it."""

    name: str
    relname: str
    schema: str
    bound: str
    bounds: tuple[dt.datetime, dt.datetime] | None
    is_default: bool
    # The month or day the child manages (see periods), None unless managed.
    period: int | None
    estimated_rows: int | None
    total_bytes: int

    @property
    def state(self) -> str:
        if self.is_default:
            return DEFAULT
        return MANAGED if self.period is not None else UNMANAGED

    @property
    def lower(self) -> dt.datetime | None:
        return self.bounds[0] if self.bounds else None

    @property
    def upper(self) -> dt.datetime | None:
        return self.bounds[1] if self.bounds else None

    def describe_bounds(self) -> str:
        return self.bound.removeprefix("FOR VALUES ")


@dataclass(frozen=True)
class CatalogSnapshot:
    """The children of one registered parent, the rows waiting in its DEFAULT partition, and look-alikes.

    `default_rows` counts the rows waiting in DEFAULT by period of `interval`.
    """

    table: str
    interval: str = MONTH
    exists: bool = True
    partitioned: bool = True
    children: tuple[Child, ...] = ()
    default_rows: dict[int, int] = field(default_factory=dict)
    lookalikes: frozenset[str] = frozenset()
    # Rows in DEFAULT at -infinity or infinity: no period can hold them, so they stay there (and are shown).
    default_rows_unbounded: int = 0
    # Our marked drain tables (partitions/drain.py) by period: rows moved out of DEFAULT, in no partition
    # until the period's create adopts the table. The planner wants those periods whatever DEFAULT holds.
    drain_tables: dict[int, str] = field(default_factory=dict)

    @property
    def default_rows_total(self) -> int:
        """Count every row waiting in DEFAULT, those at ±infinity included."""
        return sum(self.default_rows.values()) + self.default_rows_unbounded

    @property
    def default(self) -> Child | None:
        return next((child for child in self.children if child.is_default), None)

    @property
    def default_partition(self) -> str:
        default = self.default
        return default.name if default else f"{self.table}_default"

    def covering_child(self, period: int) -> Child | None:
        """Return the non-default child whose range holds the whole period, if any."""
        start, end = period_start(self.interval, period), period_start(self.interval, period + 1)
        for child in self.children:
            if child.bounds is not None and child.bounds[0] <= start and child.bounds[1] >= end:
                return child
        return None

    def overlapping_child(self, period: int) -> Child | None:
        """Return a non-default child whose range shares any instant with the period, if any."""
        start, end = period_start(self.interval, period), period_start(self.interval, period + 1)
        for child in self.children:
            if child.is_default:
                continue
            if child.bounds is None:
                return child  # an unreadable bound may overlap anything: never create next to it blindly
            if child.bounds[0] < end and child.bounds[1] > start:
                return child
        return None

    def periods_ahead(self, current: int, horizon: int = 1200) -> int:
        """Count the consecutive periods after the current one that a partition covers."""
        count = 0
        while count < horizon and self.covering_child(current + count + 1) is not None:
            count += 1
        return count
