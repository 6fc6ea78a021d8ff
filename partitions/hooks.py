"""Retention hooks: what an app must do with a partition's rows before the engine retires them.

The engine knows no app (DESIGN.md): an app's table gets its hooks from the composition root, as Django's
system checks are registered, and the engine calls them inside the transaction that retires the rows, after
the rows are locked against writes and before they leave, with the maintenance flag on (the write-once
triggers let the owner change guarded rows: a hook may update what it kept before). Once the rows are locked,
their writers wait: each further lock a hook takes is waited for briefly (WRITER_HOLD_TIMEOUT), and a hook
that cannot get one fails the attempt, which the engine retries with backoff. A hook returns a short note (or
several) for the run's record, or None; raising aborts the retirement, which rolls back and is reported like
a failed DDL.

Rows leave in two ways: a whole month (its partition dropped or detached), or the rows of one period waiting
in the DEFAULT partition (expired by DELETE). Either way the hook gets the partition and the period's bounds,
and must touch only the rows in [start, end): a DEFAULT partition also holds rows of other periods.

Two more kinds, for what the rows left behind: a sweep, called once per table per run in its own
transaction (maintenance flag on) with the retention cutoff (an app removes what it kept and no longer needs
to, and says how many rows it removed and when the oldest was dated); a preview, called by the plan page to
say what a retirement would keep (bounded: it runs in a web request); and a report of what is kept, for the
status page.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from partitions.planner import DROP, EXPIRE, Action


@dataclass(frozen=True)
class RetiringPartition:
    """Rows about to leave a table: a partition by drop or detach, or one period of DEFAULT by expiry."""

    table: str
    partition: str
    start: dt.datetime
    end: dt.datetime
    mode: str  # DROP, DETACH or EXPIRE
    default: bool = False  # the DEFAULT partition: only the rows in [start, end) leave
    schema: str | None = None  # None: found on the search path, as the engine itself names a month

    @property
    def dropped(self) -> bool:
        return self.mode == DROP

    @property
    def qualified(self) -> tuple[str, ...]:
        """The partition's name as the engine's statements use it: give it to psycopg.sql.Identifier."""
        return (self.schema, self.partition) if self.schema else (self.partition,)

    @property
    def label(self) -> str:
        """Name the rows leaving, for notes: the month's partition, or DEFAULT and the period."""
        if not self.default:
            return self.partition
        return f"{self.partition} [{self.start:%Y-%m-%d}, {self.end:%Y-%m-%d})"


def retiring_of(
    action: Action, *, partition: str | None = None, schema: str | None = None
) -> RetiringPartition:
    """Return the rows a drop, detach or expire action retires (for an expire, `partition` is DEFAULT)."""
    return RetiringPartition(
        table=action.table,
        partition=partition or action.partition,
        start=action.start,
        end=action.end,
        mode=action.action,
        default=action.action == EXPIRE,
        schema=schema,
    )


Notes = str | list[str] | None
# hook(cursor, retiring) -> a note (or notes) for the run record, or None
RetentionHook = Callable[[object, RetiringPartition], Notes]


# sweep(cursor, table, retention_cutoff) -> (rows removed, notes for the run record, the oldest row removed:
# its period starts the run record's `from`, or None when nothing was removed)
RetentionSweep = Callable[[object, str, dt.datetime], tuple[int, list[str], dt.datetime | None]]
# kept(cursor) -> (period start, case, hold active, rows) for each period and hold: what the table's rows left
RetentionKept = Callable[[object], list[tuple[dt.datetime, str, bool, int]]]

_hooks: dict[str, dict[str, RetentionHook]] = {}
_sweeps: dict[str, dict[str, RetentionSweep]] = {}
_previews: dict[str, dict[str, RetentionHook]] = {}
_kept: dict[str, dict[str, RetentionKept]] = {}


class RetentionHookError(RuntimeError):
    """A hook refused the retirement: the partition stays, and the run records why."""


def _name(function: Callable, name: str | None) -> str:
    return name or f"{function.__module__}.{function.__qualname__}"


def retention_hook_register(table: str, hook: RetentionHook, *, name: str | None = None) -> None:
    """Register (or replace) a hook called before rows of `table` are retired."""
    _hooks.setdefault(table, {})[_name(hook, name)] = hook


def retention_hooks(table: str) -> list[RetentionHook]:
    """Return the hooks of `table`, in the order they were registered."""
    return list(_hooks.get(table, {}).values())


def retention_sweep_register(table: str, sweep: RetentionSweep, *, name: str | None = None) -> None:
    """Register (or replace) a sweep called once per maintenance run of `table`, in its own transaction."""
    _sweeps.setdefault(table, {})[_name(sweep, name)] = sweep


def retention_sweeps(table: str) -> dict[str, RetentionSweep]:
    """Return the sweeps of `table` by name, in the order they were registered."""
    return dict(_sweeps.get(table, {}))


def retention_preview_register(table: str, preview: RetentionHook, *, name: str | None = None) -> None:
    """Register (or replace) a read-only preview of what a hook of `table` would do (the plan page)."""
    _previews.setdefault(table, {})[_name(preview, name)] = preview


def retention_previews(table: str) -> list[RetentionHook]:
    """Return the previews of `table`, in the order they were registered."""
    return list(_previews.get(table, {}).values())


def retention_kept_register(table: str, kept: RetentionKept, *, name: str | None = None) -> None:
    """Register (or replace) a report of the rows of `table` kept past retention (the status page)."""
    _kept.setdefault(table, {})[_name(kept, name)] = kept


def retention_kept_reports(table: str) -> list[RetentionKept]:
    """Return the kept-row reports of `table`, in the order they were registered."""
    return list(_kept.get(table, {}).values())


def notes_flatten(notes: list[Notes]) -> list[str]:
    """Return the notes hooks returned as one list of strings, without the empty ones."""
    flat: list[str] = []
    for note in notes:
        flat.extend([note] if isinstance(note, str) else (note or []))
    return [note for note in flat if note]
