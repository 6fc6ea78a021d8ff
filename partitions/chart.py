"""Geometry of the rows-per-period chart on the status page (rendered as server-side SVG).

One slot per period (a month, or a day for a daily table) from the first partition to the last, except that
a long run of periods without a partition (a far-future month made by hand, say) collapses into one narrow
break, so it cannot squeeze the rest. Periods ahead of the current one that hold nothing yet are drawn as
"ready, empty" blocks; today and the retention cutoff are marked where they fall. The page draws it twice:
wide, and compact with larger text for narrow screens.
"""

import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import replace
from typing import NamedTuple

from partitions.chart_elements import (
    MARGIN_BOTTOM,
    MARGIN_RIGHT,
    MARGIN_TOP,
    READY,
    ROWS,
    UNKNOWN,
    WIDE,
    AxisBreak,
    AxisLabel,
    Bar,
    Chart,
    ChartSize,
    Gridline,
    MonthBar,
)
from partitions.humanize import human_bytes, short_count
from partitions.planner import MANAGED, MONTH, period_index, period_label, period_start

GRIDLINES = 4  # horizontal lines above the axis, at round counts
# A run of more periods than this without a partition is drawn as one break instead of a slot per period.
GAP_COLLAPSE = 3


class _Slot(NamedTuple):
    first: int  # period index
    last: int  # the same as first, or the last period of a break

    @property
    def is_break(self) -> bool:
        return self.last > self.first


def _slots(months: Iterable[int]) -> list[_Slot]:
    """Return one slot per period from the first to the last, long runs without a partition as one break."""
    slots: list[_Slot] = []
    for month in sorted(set(months)):
        if slots:
            previous = slots[-1].last
            missing = month - previous - 1
            if missing > GAP_COLLAPSE:
                slots.append(_Slot(previous + 1, month - 1))
            else:
                slots.extend(_Slot(gap, gap) for gap in range(previous + 1, month))
        slots.append(_Slot(month, month))
    return slots


def _axis_scale(max_rows: int) -> tuple[int, int]:
    """Return a round top for the count axis and the step between its gridlines."""
    raw = max(max_rows, 1) / GRIDLINES
    magnitude = 10 ** math.floor(math.log10(raw))
    factors = (1, 2, 5, 10) if magnitude == 1 else (1, 2, 2.5, 5, 10)
    step = next(int(factor * magnitude) for factor in factors if factor * magnitude >= raw)
    step = max(step, 1)
    return step * math.ceil(max(max_rows, 1) / step), step


def _count_label(value: int) -> str:
    return re.sub(r"\.0(?=[kMG]$)", "", short_count(value))


def _period_fraction(interval: str, instant: dt.datetime) -> tuple[int, float]:
    """Return the UTC period of an instant and how far into that period it is (0 to 1)."""
    period = period_index(interval, instant)
    start, end = period_start(interval, period), period_start(interval, period + 1)
    return period, (instant - start) / (end - start)


def _tick_label(interval: str, period: int) -> str:
    """Label an axis tick: YYYY-MM for a month, MM-DD for a day (the year is in the bars' titles)."""
    return period_label(interval, period) if interval == MONTH else period_label(interval, period)[5:]


class _Layout:
    """Where each period sits on the x axis."""

    def __init__(self, slots: list[_Slot], size: ChartSize, interval: str):
        self.slots = slots
        self.interval = interval
        self.left = size.margin_left
        self.slot_width = (size.width - size.margin_left - MARGIN_RIGHT) / len(slots)

    def slot_x(self, index: int) -> float:
        return self.left + index * self.slot_width

    def x_of(self, instant: dt.datetime) -> float | None:
        """Return where an instant falls, or None when it is outside the periods shown."""
        month, fraction = _period_fraction(self.interval, instant)
        for index, slot in enumerate(self.slots):
            if slot.first <= month <= slot.last:
                if slot.is_break:
                    return round(self.slot_x(index) + self.slot_width / 2, 2)
                return round(self.slot_x(index) + fraction * self.slot_width, 2)
        if month == self.slots[-1].last + 1 and fraction == 0:
            return round(self.slot_x(len(self.slots)), 2)
        return None


def _bar(
    month: MonthBar,
    *,
    x: float,
    width: float,
    current: int,
    plot_top: int,
    plot_bottom: int,
    top: int,
    interval: str,
):
    rows = month.estimated_rows
    plot_height = plot_bottom - plot_top
    size = human_bytes(month.total_bytes)
    if month.month > current and not rows:
        # Created ahead and empty so far (or never analysed): ingestion is ready for it.
        kind, height = READY, plot_height
        title = f"{month.name}: ready, empty (created ahead), {size}"
    elif rows is None:
        kind, height = UNKNOWN, 2.0
        title = f"{month.name}: unknown rows (never analysed), {size}"
    else:
        kind, height = ROWS, max(1.0, plot_height * rows / top) if rows else 1.0
        title = f"{month.name}: {rows:,} rows (estimated), {size}"
    return Bar(
        x=round(x + width * 0.1, 2),
        y=round(plot_bottom - height, 2),
        width=round(max(1.0, width * 0.8), 2),
        height=round(height, 2),
        name=month.name,
        label=period_label(interval, month.month),
        title=title,
        kind=kind,
    )


def chart_build(
    *,
    months: list[MonthBar],
    now: dt.datetime,
    retention_cutoff: dt.datetime,
    size: ChartSize = WIDE,
    interval: str = MONTH,
) -> Chart:
    """Lay out one bar per period, the count gridlines, and today and the retention cutoff where they fall."""
    plot_top, plot_bottom = MARGIN_TOP, size.height - MARGIN_BOTTOM
    if not months:
        empty = Chart(size.width, size.height, plot_top, plot_bottom, size.margin_left, [], [], 0, True)
        return replace(empty, size=size.name)
    current = period_index(interval, now)
    layout = _Layout(_slots([*(m.month for m in months), current]), size, interval)
    max_rows = max((m.estimated_rows or 0) for m in months)
    top, step = _axis_scale(max_rows)
    gridlines = [
        Gridline(y=round(plot_bottom - (plot_bottom - plot_top) * value / top, 2), label=_count_label(value))
        for value in range(0, top + 1, step)
    ]
    by_month = {m.month: m for m in months}
    bars, breaks, ticks = [], [], []
    labelled = [index for index, slot in enumerate(layout.slots) if not slot.is_break]
    every = max(1, math.ceil(len(labelled) / size.max_ticks))
    for index, slot in enumerate(layout.slots):
        x = layout.slot_x(index)
        if slot.is_break:
            count = slot.last - slot.first + 1
            span = f"{period_label(interval, slot.first)} to {period_label(interval, slot.last)}"
            title = f"{count} {interval}s without a partition ({span})"
            breaks.append(AxisBreak(round(x, 2), round(layout.slot_width, 2), count, title))
            continue
        if labelled.index(index) % every == 0:
            ticks.append(
                AxisLabel(x=round(x + layout.slot_width / 2, 2), label=_tick_label(interval, slot.first))
            )
        month = by_month.get(slot.first)
        if month is not None:
            bars.append(
                _bar(
                    month,
                    x=x,
                    width=layout.slot_width,
                    current=current,
                    plot_top=plot_top,
                    plot_bottom=plot_bottom,
                    top=top,
                    interval=interval,
                )
            )
    markers = []
    for instant, label in ((retention_cutoff, "retention cutoff"), (now, "today")):
        x = layout.x_of(instant)
        if x is not None:
            markers.append(AxisLabel(x=x, label=label))
    return Chart(
        size.width,
        size.height,
        plot_top,
        plot_bottom,
        size.margin_left,
        bars,
        markers,
        max_rows,
        False,
        ticks=ticks,
        gridlines=gridlines,
        breaks=breaks,
        size=size.name,
    )


def chart_months(partitions: Iterable, *, interval: str = MONTH) -> list[MonthBar]:
    """Return one bar per managed partition of a table's status (DEFAULT and others left out)."""
    return [
        MonthBar(
            month=period_index(interval, partition.start),
            name=partition.name,
            estimated_rows=partition.estimated_rows,
            total_bytes=partition.total_bytes,
        )
        for partition in partitions
        if partition.state == MANAGED and partition.start is not None
    ]


def chart_for_table(status, *, now: dt.datetime, size: ChartSize = WIDE) -> Chart:
    """Lay out the chart of a TableStatus: its managed periods, today and its retention cutoff."""
    return chart_build(
        months=chart_months(status.partitions, interval=status.interval),
        now=now,
        retention_cutoff=status.retention_cutoff,
        size=size,
        interval=status.interval,
    )
