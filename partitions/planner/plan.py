"""Plan partition maintenance: a pure function of (now, wall clock, policy, catalog snapshot)."""

import datetime as dt
import enum
from dataclasses import dataclass, field

from partitions.planner.months import UTC
from partitions.planner.periods import MONTH, period_bounded, period_representable, period_start
from partitions.planner.policy import PartitionedTable
from partitions.planner.snapshot import CatalogSnapshot

CREATE, DROP, DETACH = "create", "drop", "detach"
# Delete the rows waiting in DEFAULT for one period past retention (rows under legal hold copied first).
EXPIRE = "expire"


class Reason(enum.Enum):
    """Why the planner wants an action; each member carries its text, some with a number to fill in."""

    CURRENT_MONTH = "current {interval}"
    PREMAKE = "premake ({count} ahead)"
    DEFAULT_ROWS = "rows waiting in DEFAULT"
    GAP = "gap inside retention"
    BRIDGE = "between premake and a {interval} with rows in DEFAULT"
    PAST_RETENTION = "past retention ({count} {interval}s)"
    DEFAULT_PAST_RETENTION = "rows in DEFAULT past retention ({count} {interval}s)"
    DRAIN = "finish the drain of {table}"

    def text(self, count: int = 0, *, interval: str = MONTH, table: str = "") -> str:
        """Return the reason as people read it (`count` fills in PREMAKE and the retention reasons, `table`
        the drain table of DRAIN)."""
        return self.value.format(count=count, interval=interval, table=table)


@dataclass(frozen=True)
class Action:
    """One step of a plan: create a period (taking in its DEFAULT rows), drop or detach one, or expire the
    rows waiting in DEFAULT for a period past retention (then `partition` names the DEFAULT partition).

    `period` counts months or days (see `periods`) as `interval` says; `start` and `end` bound it in UTC.
    """

    table: str
    action: str
    partition: str
    period: int
    default_rows: int
    reason: Reason
    reason_text: str
    interval: str = MONTH

    @property
    def start(self) -> dt.datetime:
        return period_start(self.interval, self.period)

    @property
    def end(self) -> dt.datetime:
        return period_start(self.interval, self.period + 1)

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
    # Rows in DEFAULT past retention, by period: each bounded period also has an EXPIRE action.
    stranded_default_rows: dict[int, int] = field(default_factory=dict)
    drops_deferred: int = 0
    # Rows in DEFAULT dated beyond the horizon (rule 4a), by period: left there and reported.
    far_future_default_rows: dict[int, int] = field(default_factory=dict)
    interval: str = MONTH
    # The sentences of `blocked` about drain tables no create can adopt (a partition covers their period):
    # rows no search sees and no run retires, which a run should not call a success.
    drains_blocked: tuple[str, ...] = ()


def _create_reason(period: int, *, current: int, last_premade: int, rows: int, drain: bool) -> Reason:
    if period == current:
        return Reason.CURRENT_MONTH
    if current < period <= last_premade:
        return Reason.PREMAKE
    if drain:
        return Reason.DRAIN
    if rows:
        return Reason.DEFAULT_ROWS
    return Reason.BRIDGE if period > last_premade else Reason.GAP


def _creates(
    entry: PartitionedTable, snapshot: CatalogSnapshot, wanted: set[int], managed: set[int], *, current: int
) -> tuple[list[Action], list[str]]:
    """Return the creates of the wanted periods not managed yet, and sentences for those blocked."""
    creates, blocked = [], []
    last_premade = current + entry.premake
    for period in sorted(wanted - managed):
        if not period_representable(entry.interval, period):
            blocked.append(
                f"{snapshot.default_partition} holds rows for {entry.period_label(period)}, "
                f"a {entry.interval} that cannot be named as a partition; they are left there."
            )
            continue
        name = entry.partition_name(period)
        if snapshot.covering_child(period) is not None:
            continue
        other = snapshot.overlapping_child(period)
        if other is not None:
            blocked.append(
                f"{name} cannot be created: its {entry.interval} overlaps {other.name} "
                f"({other.describe_bounds()}), which is not managed and is left alone."
            )
            continue
        if name in snapshot.lookalikes:
            blocked.append(
                f"{name} cannot be created: a table of that name exists but is not a partition of "
                f"{entry.table}; it is left alone."
            )
            continue
        rows = snapshot.default_rows.get(period, 0)
        drain = snapshot.drain_tables.get(period, "")
        reason = _create_reason(
            period, current=current, last_premade=last_premade, rows=rows, drain=bool(drain)
        )
        text = reason.text(period - current, interval=entry.interval, table=drain)
        creates.append(Action(entry.table, CREATE, name, period, rows, reason, text, entry.interval))
    # The current period first: rows written while the run goes on (audit rows among them) land in it
    # rather than in DEFAULT.
    creates.sort(key=lambda action: (action.period != current, action.period))
    return creates, blocked


def _drains(
    entry: PartitionedTable, snapshot: CatalogSnapshot, *, first_kept: int
) -> tuple[set[int], list[str], list[str]]:
    """Return the periods wanted for drain tables left behind (a crash, or a create out of patience,
    before the ATTACH: their rows left DEFAULT, so only the drain table says the period is still wanted),
    and sentences for those a partition already covers: waiting for its retirement, or blocked."""
    wanted, waiting, blocked = set(), [], []
    for period, drain in sorted(snapshot.drain_tables.items()):
        child = snapshot.covering_child(period)
        drained = (
            f"{drain} holds rows drained out of {snapshot.default_partition} for {entry.period_label(period)}"
        )
        if child is None:
            wanted.add(period)  # past retention too: the create adopts it, the next run retires it
        elif period < first_kept:
            waiting.append(
                f"{drained}, past retention, but {child.name} covers that {entry.interval}: once "
                f"{child.name} is retired, a run attaches {drain} and retires it too."
            )
        else:
            blocked.append(
                f"{drained}, but {child.name} already covers that {entry.interval}: no search sees them "
                f"and no run retires them. Move them into {child.name} and drop {drain} by hand, as the "
                "table's owner."
            )
    return wanted, waiting, blocked


def plan_table(
    entry: PartitionedTable,
    snapshot: CatalogSnapshot,
    *,
    now: dt.datetime,
    wall_now: dt.datetime,
) -> TablePlan:
    """Return the ordered actions that bring one table in line with the policy (DESIGN.md rules 1-5).

    Creates come first, then retires (at most `max_drops_per_run`), then one EXPIRE per period whose rows
    wait in DEFAULT past retention. Expires are not counted against `max_drops_per_run`: that cap bounds
    the partitions dropped or detached per run (ACCESS EXCLUSIVE on the parent, a whole period gone at
    once); an expire deletes a few stray rows from DEFAULT, which is kept empty, under a row lock only.
    """
    if now.tzinfo is None or wall_now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    now = now.astimezone(UTC)
    # A planning `now` may look ahead or back, but never retires more than the wall clock allows.
    retention_cutoff = entry.retention_cutoff(min(now, wall_now.astimezone(UTC)))
    if not snapshot.exists or not snapshot.partitioned:
        problem = "does not exist" if not snapshot.exists else "is not a partitioned table"
        return TablePlan(
            table=entry.table,
            now=now,
            retention_cutoff=retention_cutoff,
            actions=(),
            blocked=(f"Table {entry.table} {problem}: nothing can be planned for it.",),
            interval=entry.interval,
        )
    # A period p is past retention when its upper bound (start of p + 1) <= retention_cutoff: whole
    # periods only, so the period holding the cutoff is kept.
    first_kept = entry.period_index(retention_cutoff)
    current = entry.period_index(now)
    last_premade = current + entry.premake
    horizon = current + entry.horizon
    # Gaps are filled inside the retention window of the planning `now`: a `--now` years ahead plans
    # that window, never every period between today's partitions and it.
    first_gap = max(first_kept, current - entry.retention)

    managed = {child.period: child for child in snapshot.children if child.period is not None}
    wanted = set(range(current, last_premade + 1))
    stranded, far_future = {}, {}
    for period, rows in snapshot.default_rows.items():
        if period < first_kept:
            stranded[period] = rows  # past retention: expired, never moved into a period we would drop
        elif period > horizon:
            far_future[period] = rows  # a clock far ahead, most likely: reported, left in DEFAULT (rule 4a)
        else:
            wanted.add(period)
    drains_wanted, drains_waiting, drains_blocked = _drains(entry, snapshot, first_kept=first_kept)
    wanted.update(drains_wanted)
    # Fill gaps from the oldest kept period up to the premake horizon.
    anchors = [period for period in [*managed, *wanted] if first_gap <= period <= last_premade]
    if anchors:
        wanted.update(range(min(anchors), last_premade + 1))
    # A period beyond premake made for DEFAULT rows brings the periods before it, so no gap is left in
    # which the next rows would land in DEFAULT.
    beyond = [period for period in wanted if period > last_premade]
    if beyond:
        wanted.update(range(last_premade + 1, max(beyond)))

    creates, blocked = _creates(entry, snapshot, wanted, set(managed), current=current)

    retire = DETACH if entry.retention_mode == DETACH else DROP
    expired = sorted(period for period in managed if period < first_kept)
    past_retention = Reason.PAST_RETENTION.text(entry.retention, interval=entry.interval)
    retires = [
        Action(
            entry.table,
            retire,
            managed[period].name,
            period,
            0,
            Reason.PAST_RETENTION,
            past_retention,
            entry.interval,
        )
        for period in expired[: entry.max_drops_per_run]
    ]
    return TablePlan(
        table=entry.table,
        now=now,
        retention_cutoff=retention_cutoff,
        actions=tuple(creates + retires + _expires(entry, snapshot, stranded)),
        blocked=tuple(blocked + drains_waiting + drains_blocked),
        stranded_default_rows=stranded,
        drops_deferred=max(0, len(expired) - entry.max_drops_per_run),
        far_future_default_rows=far_future,
        interval=entry.interval,
        drains_blocked=tuple(drains_blocked),
    )


def _expires(entry: PartitionedTable, snapshot: CatalogSnapshot, stranded: dict[int, int]) -> list[Action]:
    """Return one EXPIRE per period of DEFAULT rows past retention, oldest first.

    Rows at ±infinity have no period and are never expired; nor are rows dated before year 1 (PostgreSQL
    holds BC dates, Python does not), which stay reported.
    """
    text = Reason.DEFAULT_PAST_RETENTION.text(entry.retention, interval=entry.interval)
    default = snapshot.default_partition
    return [
        Action(
            entry.table, EXPIRE, default, period, rows, Reason.DEFAULT_PAST_RETENTION, text, entry.interval
        )
        for period, rows in sorted(stranded.items())
        if period_bounded(entry.interval, period)
    ]
