"""Plan partition maintenance: a pure function of (now, wall clock, policy, catalog snapshot)."""

import datetime as dt
import enum
from dataclasses import dataclass, field

from partitions.planner.months import (
    UTC,
    month_index,
    month_label,
    month_start,
    partition_name,
    representable,
    subtract_months,
)
from partitions.planner.policy import PartitionedTable
from partitions.planner.snapshot import CatalogSnapshot

CREATE, DROP, DETACH = "create", "drop", "detach"


class Reason(enum.Enum):
    """Why the planner wants an action; each member carries its text, some with a number to fill in."""

    CURRENT_MONTH = "current month"
    PREMAKE = "premake ({months} ahead)"
    DEFAULT_ROWS = "rows waiting in DEFAULT"
    GAP = "gap inside retention"
    BRIDGE = "between premake and a month with rows in DEFAULT"
    PAST_RETENTION = "past retention ({months} months)"

    def text(self, months: int = 0) -> str:
        """Return the reason as people read it (`months` fills in PREMAKE and PAST_RETENTION)."""
        return self.value.format(months=months)


@dataclass(frozen=True)
class Action:
    """One step of a plan: create a month (taking in its DEFAULT rows), or drop or detach one."""

    table: str
    action: str
    partition: str
    month: int
    default_rows: int
    reason: Reason
    reason_text: str

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
            "reason": self.reason_text,
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
    # Rows in DEFAULT dated beyond the horizon (rule 4a), by month: left there and reported.
    far_future_default_rows: dict[int, int] = field(default_factory=dict)


def _create_reason(month: int, *, current: int, last_premade: int, rows: int) -> Reason:
    if month == current:
        return Reason.CURRENT_MONTH
    if current < month <= last_premade:
        return Reason.PREMAKE
    if rows:
        return Reason.DEFAULT_ROWS
    return Reason.BRIDGE if month > last_premade else Reason.GAP


def plan_table(
    entry: PartitionedTable,
    snapshot: CatalogSnapshot,
    *,
    now: dt.datetime,
    wall_now: dt.datetime,
) -> TablePlan:
    """Return the ordered actions that bring one table in line with the policy (DESIGN.md rules 1-5)."""
    if now.tzinfo is None or wall_now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    now = now.astimezone(UTC)
    # A planning `now` may look ahead or back, but never retires more than the wall clock allows.
    retention_cutoff = subtract_months(min(now, wall_now.astimezone(UTC)), entry.retention_months)
    if not snapshot.exists or not snapshot.partitioned:
        problem = "does not exist" if not snapshot.exists else "is not a partitioned table"
        return TablePlan(
            table=entry.table,
            now=now,
            retention_cutoff=retention_cutoff,
            actions=(),
            blocked=(f"Table {entry.table} {problem}: nothing can be planned for it.",),
        )
    # A month m is past retention when its upper bound (start of m + 1) <= retention_cutoff.
    first_kept = month_index(retention_cutoff)
    current = month_index(now)
    last_premade = current + entry.premake_months
    horizon = current + entry.horizon_months
    # Gaps are filled inside the retention window of the planning `now`: a `--now` years ahead plans
    # that window, never every month between today's partitions and it.
    first_gap = max(first_kept, current - entry.retention_months)

    managed = {child.month: child for child in snapshot.children if child.month is not None}
    wanted = set(range(current, last_premade + 1))
    stranded, far_future = {}, {}
    for month, rows in snapshot.default_rows.items():
        if month < first_kept:
            stranded[month] = rows  # past retention: reported, never moved into a month we would drop
        elif month > horizon:
            far_future[month] = rows  # a clock far ahead, most likely: reported, left in DEFAULT (rule 4a)
        else:
            wanted.add(month)
    # Fill gaps from the oldest kept month up to the premake horizon.
    anchors = [month for month in [*managed, *wanted] if first_gap <= month <= last_premade]
    if anchors:
        wanted.update(range(min(anchors), last_premade + 1))
    # A month beyond premake made for DEFAULT rows brings the months before it, so no gap is left in which
    # the next rows would land in DEFAULT.
    beyond = [month for month in wanted if month > last_premade]
    if beyond:
        wanted.update(range(last_premade + 1, max(beyond)))

    creates, blocked = [], []
    for month in sorted(wanted - managed.keys()):
        name = partition_name(entry.table, month)
        if not representable(month):
            blocked.append(
                f"{snapshot.default_partition} holds rows for {month_label(month)}, "
                "a month that cannot be named as a partition; they are left there."
            )
            continue
        if snapshot.covering_child(month) is not None:
            continue
        other = snapshot.overlapping_child(month)
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
        reason = _create_reason(month, current=current, last_premade=last_premade, rows=rows)
        creates.append(Action(entry.table, CREATE, name, month, rows, reason, reason.text(month - current)))
    # The current month first: rows written while the run goes on (audit rows among them) land in it
    # rather than in DEFAULT.
    creates.sort(key=lambda action: (action.month != current, action.month))

    retire = DETACH if entry.retention_mode == DETACH else DROP
    expired = sorted(month for month in managed if month < first_kept)
    past_retention = Reason.PAST_RETENTION.text(entry.retention_months)
    retires = [
        Action(entry.table, retire, managed[month].name, month, 0, Reason.PAST_RETENTION, past_retention)
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
        far_future_default_rows=far_future,
    )
