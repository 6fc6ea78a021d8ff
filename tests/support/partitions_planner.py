"""Catalog snapshots built by hand for the pure planner's tests, and the executor simulated on them."""

from dataclasses import replace

from partitions.planner import (
    CREATE,
    EXPIRE,
    MONTH,
    CatalogSnapshot,
    Child,
    period_partition_name,
    period_start,
)


def default_child(table: str) -> Child:
    return Child(
        name=f"{table}_default",
        relname=f"{table}_default",
        schema="public",
        bound="DEFAULT",
        bounds=None,
        is_default=True,
        period=None,
        estimated_rows=0,
        total_bytes=8192,
    )


def managed_child(table: str, period: int, interval: str = MONTH) -> Child:
    """Return the managed partition of one month or day, as the catalog would describe it."""
    start, end = period_start(interval, period), period_start(interval, period + 1)
    name = period_partition_name(interval, table, period)
    return Child(
        name=name,
        relname=name,
        schema="public",
        bound=f"FOR VALUES FROM ('{start:%Y-%m-%d %H:%M:%S}+00') TO ('{end:%Y-%m-%d %H:%M:%S}+00')",
        bounds=(start, end),
        is_default=False,
        period=period,
        estimated_rows=None,
        total_bytes=8192,
    )


def snapshot_of(
    table: str, periods=(), *, interval: str = MONTH, default_rows=None, extra=(), lookalikes=()
) -> CatalogSnapshot:
    """Return a table with its DEFAULT partition, managed `periods`, `extra` children and DEFAULT rows."""
    return CatalogSnapshot(
        table=table,
        interval=interval,
        children=(default_child(table), *(managed_child(table, p, interval) for p in periods), *extra),
        default_rows=dict(default_rows or {}),
        lookalikes=frozenset(lookalikes),
    )


def plan_applied(snap: CatalogSnapshot, plan) -> CatalogSnapshot:
    """Simulate the executor on a snapshot: what the catalog would look like after the plan ran."""
    children = {child.name: child for child in snap.children}
    default_rows = dict(snap.default_rows)
    for action in plan.actions:
        if action.action == CREATE:
            children[action.partition] = managed_child(snap.table, action.period, snap.interval)
            default_rows.pop(action.period, None)
        elif action.action == EXPIRE:
            default_rows.pop(action.period)
        else:
            children.pop(action.partition)
    return replace(snap, children=tuple(children.values()), default_rows=default_rows)
