"""What the rows-per-period chart draws: its sizes, bars, axis labels, gridlines and breaks."""

from dataclasses import dataclass, field
from typing import NamedTuple

from partitions.humanize import short_count

MARGIN_TOP = 24  # room for the marker labels above the plot
MARGIN_BOTTOM = 30
MARGIN_RIGHT = 8


@dataclass(frozen=True)
class ChartSize:
    """The drawing's own units: the SVG scales them to the width it is given."""

    name: str
    width: int
    height: int
    margin_left: int
    max_ticks: int  # month labels under the axis, thinned out to stay readable


WIDE = ChartSize("wide", width=960, height=240, margin_left=56, max_ticks=12)
COMPACT = ChartSize("compact", width=480, height=280, margin_left=46, max_ticks=4)
MAX_TICKS = WIDE.max_ticks

ROWS, UNKNOWN, READY = "rows", "unknown", "ready"


@dataclass(frozen=True)
class MonthBar:
    """One managed partition: its period (month or day) index, estimated rows (None: never analysed), size."""

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
    kind: str  # ROWS, UNKNOWN (never analysed) or READY (a month ahead, empty so far)

    @property
    def unknown(self) -> bool:
        return self.kind == UNKNOWN


class AxisLabel(NamedTuple):
    """A label at a place on the month axis: a month under it, or a marker (today, retention cutoff)."""

    x: float
    label: str


class Gridline(NamedTuple):
    """A horizontal line at a round count, labelled on the left."""

    y: float
    label: str


class AxisBreak(NamedTuple):
    """Months without a partition, collapsed into one slot."""

    x: float
    width: float
    months: int
    title: str

    @property
    def center(self) -> float:
        return round(self.x + self.width / 2, 2)


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
    gridlines: list[Gridline] = field(default_factory=list)
    breaks: list[AxisBreak] = field(default_factory=list)
    size: str = WIDE.name

    @property
    def max_label(self) -> str:
        return short_count(self.max_rows)

    @property
    def plot_right(self) -> int:
        return self.width - MARGIN_RIGHT

    @property
    def plot_height(self) -> int:
        return self.plot_bottom - self.plot_top

    @property
    def has_ready(self) -> bool:
        return any(bar.kind == READY for bar in self.bars)

    @property
    def has_unknown(self) -> bool:
        return any(bar.kind == UNKNOWN for bar in self.bars)

    @property
    def has_cutoff(self) -> bool:
        return any(marker.label == "retention cutoff" for marker in self.markers)
