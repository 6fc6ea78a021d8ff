"""Geometry of the rows-per-month chart on the status page (rendered as server-side SVG)."""

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from partitions.humanize import human_bytes, short_count
from partitions.planner import MANAGED, month_index, month_label

WIDTH = 960
HEIGHT = 220
MARGIN_LEFT = 64
MARGIN_BOTTOM = 34
MARGIN_TOP = 12
PLOT_HEIGHT = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
MAX_TICKS = 12  # month labels under the axis, so 96 months stay readable


@dataclass(frozen=True)
class MonthBar:
    """One monthly partition: its month index, estimated rows (None when never analysed) and size."""

    month: int
    name: str
    estimated_rows: int | None
    total_bytes: int


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    name: str
    label: str
    title: str
    unknown: bool


class AxisLabel(NamedTuple):
    """A label at a place on the month axis: a month under it, or a marker (now, retention cutoff)."""

    x: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_top: int
    plot_bottom: int
    plot_left: int
    bars: list[Bar]
    markers: list[AxisLabel]
    max_rows: int
    empty: bool
    ticks: list[AxisLabel] = field(default_factory=list)

    @property
    def max_label(self) -> str:
        return short_count(self.max_rows)


def chart_build(*, months: list[MonthBar], current_month: int, retention_cutoff: int) -> Chart:
    """Lay out one bar per month between the first and last month shown, marking now and the cutoff."""
    plot_bottom = MARGIN_TOP + PLOT_HEIGHT
    if not months:
        return Chart(WIDTH, HEIGHT, MARGIN_TOP, plot_bottom, MARGIN_LEFT, [], [], 0, True)
    first = min(m.month for m in months)
    last = max(m.month for m in months)
    slots = last - first + 1
    slot_width = (WIDTH - MARGIN_LEFT - 8) / slots
    max_rows = max((m.estimated_rows or 0) for m in months) or 1
    step = max(1, math.ceil(slots / MAX_TICKS))
    bars, ticks = [], []
    for month in sorted(months, key=lambda m: m.month):
        offset = month.month - first
        x = MARGIN_LEFT + offset * slot_width
        if offset % step == 0:
            ticks.append(AxisLabel(x=round(x + slot_width / 2, 2), label=month_label(month.month)))
        unknown = month.estimated_rows is None
        rows = month.estimated_rows or 0
        height = 2.0 if unknown else max(1.0, PLOT_HEIGHT * rows / max_rows) if rows else 1.0
        rows_text = "unknown rows (never analysed)" if unknown else f"{rows:,} rows (estimated)"
        bars.append(
            Bar(
                x=round(x + slot_width * 0.1, 2),
                y=round(plot_bottom - height, 2),
                width=round(max(1.0, slot_width * 0.8), 2),
                height=round(height, 2),
                name=month.name,
                label=month_label(month.month),
                title=f"{month.name}: {rows_text}, {human_bytes(month.total_bytes)}",
                unknown=unknown,
            )
        )
    markers = []
    for index, label in ((current_month, "now"), (retention_cutoff, "retention cutoff")):
        if first <= index <= last + 1:
            markers.append(AxisLabel(x=round(MARGIN_LEFT + (index - first) * slot_width, 2), label=label))
    return Chart(WIDTH, HEIGHT, MARGIN_TOP, plot_bottom, MARGIN_LEFT, bars, markers, max_rows, False, ticks)


def chart_months(partitions: Iterable) -> list[MonthBar]:
    """Return one MonthBar per managed monthly partition of a table's status (DEFAULT and others left out)."""
    return [
        MonthBar(
            month=month_index(partition.start),
            name=partition.name,
            estimated_rows=partition.estimated_rows,
            total_bytes=partition.total_bytes,
        )
        for partition in partitions
        if partition.state == MANAGED and partition.start is not None
    ]


def chart_for_table(status, *, now: dt.datetime) -> Chart:
    """Lay out the chart of a TableStatus: its managed months, this month and its retention cutoff."""
    return chart_build(
        months=chart_months(status.partitions),
        current_month=month_index(now),
        retention_cutoff=month_index(status.retention_cutoff),
    )
