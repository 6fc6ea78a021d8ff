"""Retention hooks: what an app must do with a partition's rows before the engine retires it.

The engine knows no app (DESIGN.md): an app's table gets its hooks from the composition root, as Django's
system checks are registered, and the engine calls them inside the transaction that retires the partition,
after the partition is locked against writes and before it is detached. A hook returns a short note for the
run's record (or None); raising aborts the retirement, which rolls back and is reported like a failed DDL.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from partitions.planner import DROP


@dataclass(frozen=True)
class RetiringPartition:
    """A partition about to leave its table: by drop, or by detach into the archive schema."""

    table: str
    partition: str
    start: dt.datetime
    end: dt.datetime
    mode: str  # DROP or DETACH

    @property
    def dropped(self) -> bool:
        return self.mode == DROP


# hook(cursor, retiring) -> a note for the run record, or None
RetentionHook = Callable[[object, RetiringPartition], str | None]

_hooks: dict[str, dict[str, RetentionHook]] = {}


class RetentionHookError(RuntimeError):
    """A hook refused the retirement: the partition stays, and the run records why."""


def retention_hook_register(table: str, hook: RetentionHook, *, name: str | None = None) -> None:
    """Register (or replace) a hook called before each partition of `table` is retired."""
    _hooks.setdefault(table, {})[name or f"{hook.__module__}.{hook.__qualname__}"] = hook


def retention_hooks(table: str) -> list[RetentionHook]:
    """Return the hooks of `table`, in the order they were registered."""
    return list(_hooks.get(table, {}).values())
