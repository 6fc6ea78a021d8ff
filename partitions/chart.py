"""Geometry of the rows-per-month chart on the status page (rendered as server-side SVG)."""

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

WIDTH = 960
HEIGHT = 220
MARGIN_LEFT = 64
MARGIN_BOTTOM = 34
MARGIN_TOP = 12
PLOT_HEIGHT = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
MAX_TICKS = 12  # month labels under the axis, so 96 months stay readable


@dataclass(frozen=True)
class MonthBar:
    """One monthly partition: its first day, estimated rows (None when never analysed) and size."""

    month: dt.date
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


@dataclass(frozen=True)
class Marker:
    x: float
    label: str


@dataclass(frozen=True)
class Tick:
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
    markers: list[Marker]
    max_rows: int
    empty: bool
    ticks: list[Tick] = field(default_factory=list)

    @property
    def max_label(self) -> str:
        return _human(self.max_rows)


def _month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _human(value: int) -> str:
    for unit, size in (("G", 10**9), ("M", 10**6), ("k", 10**3)):
        if value >= size:
            return f"{value / size:.1f}{unit}"
    return str(value)


def _human_bytes(value: int) -> str:
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if value >= size:
            return f"{value / size:.1f} {unit}"
    return f"{value} B"


def chart_build(*, months: list[MonthBar], current_month: dt.date, retention_cutoff: dt.date) -> Chart:
    """Lay out one bar per month between the first and last month shown, marking now and the cutoff."""
    plot_bottom = MARGIN_TOP + PLOT_HEIGHT
    if not months:
        return Chart(WIDTH, HEIGHT, MARGIN_TOP, plot_bottom, MARGIN_LEFT, [], [], 0, True)
    first = min(_month_index(m.month) for m in months)
    last = max(_month_index(m.month) for m in months)
    slots = last - first + 1
    slot_width = (WIDTH - MARGIN_LEFT - 8) / slots
    max_rows = max((m.estimated_rows or 0) for m in months) or 1
    step = max(1, math.ceil(slots / MAX_TICKS))
    bars, ticks = [], []
    for month in sorted(months, key=lambda m: m.month):
        offset = _month_index(month.month) - first
        x = MARGIN_LEFT + offset * slot_width
        if offset % step == 0:
            ticks.append(Tick(x=round(x + slot_width / 2, 2), label=month.month.strftime("%Y-%m")))
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
                label=month.month.strftime("%Y-%m"),
                title=f"{month.name}: {rows_text}, {_human_bytes(month.total_bytes)}",
                unknown=unknown,
            )
        )
    markers = []
    for day, label in ((current_month, "now"), (retention_cutoff, "retention cutoff")):
        index = _month_index(day)
        if first <= index <= last + 1:
            markers.append(Marker(x=round(MARGIN_LEFT + (index - first) * slot_width, 2), label=label))
    return Chart(WIDTH, HEIGHT, MARGIN_TOP, plot_bottom, MARGIN_LEFT, bars, markers, max_rows, False, ticks)


def axis_label(value: int) -> str:
    return _human(value)


def human_bytes(value: int) -> str:
    """Return a size the way ops read it (8.0 KiB, 1.2 GiB)."""
    return _human_bytes(value)


def chart_months(partitions: Iterable) -> list[MonthBar]:
    """Return one MonthBar per managed monthly partition of a table's status (DEFAULT and others left out)."""
    return [
        MonthBar(
            month=partition.start.astimezone(dt.UTC).date(),
            name=partition.name,
            estimated_rows=partition.estimated_rows,
            total_bytes=partition.total_bytes,
        )
        for partition in partitions
        if partition.state == "managed" and partition.start is not None
    ]


def chart_for_table(status, *, now: dt.datetime) -> Chart:
    """Lay out the chart of a TableStatus: its managed months, this month and its retention cutoff."""
    return chart_build(
        months=chart_months(status.partitions),
        current_month=now.astimezone(dt.UTC).date().replace(day=1),
        retention_cutoff=status.retention_cutoff.astimezone(dt.UTC).date(),
    )
