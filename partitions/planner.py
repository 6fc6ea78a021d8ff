"""Plan partition maintenance: a pure function of (now, wall clock, registry entry, catalog snapshot).

Months are integers, `year * 12 + month - 1`, so month arithmetic is exact (never `timedelta(days=30)`),
and every bound is the 1st of a month at 00:00 UTC.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from partitions.catalog import CatalogSnapshot, Child
    from partitions.registry import PartitionedTable

UTC = dt.UTC
MIN_YEAR, MAX_YEAR = 1000, 9999  # a partition name holds a four-digit year
CREATE, DROP, DETACH = "create", "drop", "detach"


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
    year, month0 = divmod(month, 12)
    return f"{year:04d}-{month0 + 1:02d}"


def partition_name(table: str, month: int) -> str:
    year, month0 = divmod(month, 12)
    return f"{table}_{year:04d}_{month0 + 1:02d}"


def representable(month: int) -> bool:
    return MIN_YEAR * 12 <= month < (MAX_YEAR + 1) * 12 - 1


def bound_literal(instant: dt.datetime) -> str:
    """Write a bound as text with an explicit +00 offset, independent of any session time zone."""
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S+00")


def managed_month(table: str, name: str, lower: dt.datetime | None, upper: dt.datetime | None) -> int | None:
    """Return the month a child manages, or None: bounds exactly one month at UTC midnight, name to match."""
    if lower is None or upper is None or lower.utcoffset() != dt.timedelta(0):
        return None
    month = month_index(lower)
    if lower != month_start(month) or upper != month_start(month + 1) or not representable(month):
        return None
    return month if name == partition_name(table, month) else None


_RANGE_BOUND = re.compile(r"^FOR VALUES FROM \((?P<lower>.+)\) TO \((?P<upper>.+)\)$", re.S)
# MINVALUE / MAXVALUE (and ±infinity) as instants, so range comparisons need no special cases.
LOWEST = dt.datetime.min.replace(tzinfo=UTC)
HIGHEST = dt.datetime.max.replace(tzinfo=UTC)
_UNBOUNDED = {"MINVALUE": LOWEST, "'-infinity'": LOWEST, "MAXVALUE": HIGHEST, "'infinity'": HIGHEST}


def parse_bound(expression: str) -> tuple[dt.datetime, dt.datetime] | None:
    """Parse pg_get_expr(relpartbound) of a one-column range partition read with TimeZone=UTC."""

    def value(text: str) -> dt.datetime | None:
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

    match = _RANGE_BOUND.match(expression.strip())
    if not match:
        return None
    lower, upper = value(match.group("lower")), value(match.group("upper"))
    if lower is None or upper is None:
        return None
    return lower, upper


def subtract_months(instant: dt.datetime, months: int) -> dt.datetime:
    """Return the same wall time `months` earlier in UTC, clamping the day to the month's length."""
    utc = instant.astimezone(UTC)
    target = month_index(utc) - months
    year, month0 = divmod(target, 12)
    next_start = month_start(target + 1)
    last_day = (next_start - dt.timedelta(days=1)).day
    return utc.replace(year=year, month=month0 + 1, day=min(utc.day, last_day))


@dataclass(frozen=True)
class Action:
    """One step of a plan: create a month (taking in its DEFAULT rows), or drop or detach one."""

    table: str
    action: str
    partition: str
    month: int
    default_rows: int
    reason: str

    @property
    def start(self) -> dt.datetime:
        return month_start(self.month)

    @property
    def end(self) -> dt.datetime:
        return month_start(self.month + 1)

    def as_dict(self) -> dict:
        return {
            "table": self.table,
            "action": self.action,
            "partition": self.partition,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "default_rows": self.default_rows,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class TablePlan:
    """The ordered actions for one table, and what the planner had to leave alone and why."""

    table: str
    now: dt.datetime
    retention_cutoff: dt.datetime
    actions: tuple[Action, ...]
    blocked: tuple[str, ...] = ()
    stranded_default_rows: dict[int, int] = field(default_factory=dict)
    drops_deferred: int = 0


def covering_child(snapshot: "CatalogSnapshot", month: int) -> "Child | None":
    """Return the non-default child whose range holds the whole month, if any."""
    start, end = month_start(month), month_start(month + 1)
    for child in snapshot.children:
        if child.bounds is not None and child.bounds[0] <= start and child.bounds[1] >= end:
            return child
    return None


def overlapping_child(snapshot: "CatalogSnapshot", month: int) -> "Child | None":
    """Return a non-default child whose range shares any instant with the month, if any."""
    start, end = month_start(month), month_start(month + 1)
    for child in snapshot.children:
        if child.is_default:
            continue
        if child.bounds is None:
            return child  # an unreadable bound may overlap anything: never create next to it blindly
        if child.bounds[0] < end and child.bounds[1] > start:
            return child
    return None


def plan_table(
    entry: "PartitionedTable",
    snapshot: "CatalogSnapshot",
    *,
    now: dt.datetime,
    wall_now: dt.datetime,
) -> TablePlan:
    """Return the ordered actions that bring one table in line with the policy (DESIGN.md rules 1-5)."""
    now = now.astimezone(UTC)
    if not snapshot.exists or not snapshot.partitioned:
        problem = "does not exist" if not snapshot.exists else "is not a partitioned table"
        return TablePlan(
            table=entry.table,
            now=now,
            retention_cutoff=subtract_months(min(now, wall_now), entry.retention_months),
            actions=(),
            blocked=(f"Table {entry.table} {problem}: nothing can be planned for it.",),
        )
    # A planning `now` may look ahead or back, but never retires more than the wall clock allows.
    effective = min(now, wall_now.astimezone(UTC))
    retention_cutoff = subtract_months(effective, entry.retention_months)
    # A month m is past retention when its upper bound (start of m + 1) <= retention_cutoff.
    first_kept = month_index(retention_cutoff)
    current = month_index(now)
    last_premade = current + entry.premake_months

    managed = {child.month: child for child in snapshot.children if child.month is not None}
    wanted = set(range(current, last_premade + 1))
    stranded = {}
    for month, rows in snapshot.default_rows.items():
        if month < first_kept:
            stranded[month] = rows  # past retention: reported, never moved into a month we would drop
        else:
            wanted.add(month)
    # Fill gaps from the oldest kept month up to the premake horizon; months beyond it are islands
    # (DEFAULT rows from the far future), created on their own without filling up to them.
    anchors = [month for month in [*managed, *wanted] if first_kept <= month <= last_premade]
    if anchors:
        wanted.update(range(min(anchors), last_premade + 1))

    creates, blocked = [], []
    for month in sorted(wanted - managed.keys()):
        name = partition_name(entry.table, month)
        if not representable(month):
            blocked.append(
                f"{snapshot.default_partition} holds rows for {month_label(month)}, "
                "a month that cannot be named as a partition; they are left there."
            )
            continue
        if covering_child(snapshot, month) is not None:
            continue
        other = overlapping_child(snapshot, month)
        if other is not None:
            blocked.append(
                f"{name} cannot be created: its month overlaps {other.name} ({other.describe_bounds()}), "
                "which is not managed and is left alone."
            )
            continue
        if name in snapshot.lookalikes:
            blocked.append(
                f"{name} cannot be created: a table of that name exists but is not a partition of "
                f"{entry.table}; it is left alone."
            )
            continue
        rows = snapshot.default_rows.get(month, 0)
        if month == current:
            reason = "current month"
        elif current < month <= last_premade:
            reason = f"premake ({month - current} ahead)"
        elif rows:
            reason = "rows waiting in DEFAULT"
        else:
            reason = "gap inside retention"
        creates.append(Action(entry.table, CREATE, name, month, rows, reason))
    # The current month first: rows written while the run goes on (audit rows among them) land in it
    # rather than in DEFAULT.
    creates.sort(key=lambda action: (action.month != current, action.month))

    retire = DETACH if entry.retention_mode == "detach" else DROP
    expired = sorted(month for month in managed if month < first_kept)
    retires = [
        Action(
            entry.table,
            retire,
            managed[month].name,
            month,
            0,
            f"past retention ({entry.retention_months} months)",
        )
        for month in expired[: entry.max_drops_per_run]
    ]
    return TablePlan(
        table=entry.table,
        now=now,
        retention_cutoff=retention_cutoff,
        actions=tuple(creates + retires),
        blocked=tuple(blocked),
        stranded_default_rows=stranded,
        drops_deferred=max(0, len(expired) - entry.max_drops_per_run),
    )
