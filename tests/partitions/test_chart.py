"""The rows-per-month chart: a slot per month, months ahead ready, today and the cutoff on their day, round
gridlines, and a far-future partition that cannot squeeze the rest."""

import datetime as dt

from partitions.chart import chart_build
from partitions.chart_elements import COMPACT, READY, ROWS, UNKNOWN, MonthBar
from partitions.planner import partition_name

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 16, 0, 0, tzinfo=UTC)  # half-way through November
CUTOFF = dt.datetime(2019, 11, 16, tzinfo=UTC)


def month(year: int, number: int) -> int:
    return year * 12 + number - 1


def bar(index: int, rows: int | None = 1000) -> MonthBar:
    return MonthBar(month=index, name=partition_name("events", index), estimated_rows=rows, total_bytes=8192)


def _months(count: int, start: int = month(2020, 1)) -> list[MonthBar]:
    return [bar(start + i, 1000 * (i + 1)) for i in range(count)]


def build(months, now=NOW, cutoff=CUTOFF, **kwargs):
    return chart_build(months=months, now=now, retention_cutoff=cutoff, **kwargs)


def test_no_partitions_gives_an_empty_chart():
    chart = build([])
    assert chart.empty
    assert chart.bars == []


def test_one_bar_per_month_tallest_for_most_rows():
    chart = build(_months(96))
    assert len(chart.bars) == 96
    assert max(chart.bars, key=lambda bar: bar.height).name == "events_2027_12"
    assert all(bar.x < later.x for bar, later in zip(chart.bars, chart.bars[1:], strict=False))
    assert all(bar.x + bar.width <= chart.width for bar in chart.bars)


def test_today_is_marked_on_its_day_not_at_the_start_of_its_month():
    chart = build([bar(month(2026, 10)), bar(month(2026, 11)), bar(month(2026, 12))])
    november = next(b for b in chart.bars if b.name == "events_2026_11")
    slot_start, slot_width = november.x - november.width / 8, november.width / 0.8
    today = {marker.label: marker.x for marker in chart.markers}["today"]
    assert abs(today - (slot_start + slot_width * 15 / 30)) < 0.5


def test_the_retention_cutoff_is_marked_on_its_day_left_of_today():
    chart = build(_months(24, start=month(2019, 6)), now=dt.datetime(2021, 1, 10, tzinfo=UTC))
    markers = {marker.label: marker.x for marker in chart.markers}
    assert set(markers) == {"retention cutoff", "today"}
    assert markers["retention cutoff"] < markers["today"]
    assert chart.has_cutoff


def test_months_ahead_that_hold_nothing_are_ready_blocks_and_rows_ahead_still_show():
    chart = build(
        [
            bar(month(2026, 11), 500),
            bar(month(2026, 12), None),
            bar(month(2027, 1), 0),
            bar(month(2027, 2), 7),
        ]
    )
    kinds = {b.label: b.kind for b in chart.bars}
    assert kinds == {"2026-11": ROWS, "2026-12": READY, "2027-01": READY, "2027-02": ROWS}
    ready = next(b for b in chart.bars if b.kind == READY)
    assert ready.height == chart.plot_height
    assert "ready, empty" in ready.title
    assert chart.has_ready


def test_a_never_analysed_past_month_is_drawn_as_unknown_not_as_zero():
    chart = build([bar(month(2026, 10), None), bar(month(2026, 11), 3)])
    assert chart.bars[0].kind == UNKNOWN
    assert "unknown" in chart.bars[0].title


def test_a_far_future_partition_is_one_short_break_away_and_squeezes_nothing():
    months = [*_months(14, start=month(2025, 12)), bar(month(2099, 1), 0)]

    chart = build(months)
    alone = build(months[:-1])

    assert len(chart.breaks) == 1
    assert chart.breaks[0].months == month(2099, 1) - month(2027, 1) - 1
    assert "months without a partition" in chart.breaks[0].title
    assert len(chart.bars) == 15
    # 16 slots (15 months and the break) instead of 14: the bars keep most of their width.
    assert chart.bars[0].width > alone.bars[0].width * 0.8


def test_a_short_gap_keeps_one_empty_slot_per_missing_month():
    chart = build([bar(month(2026, 7)), bar(month(2026, 11))])
    assert chart.breaks == []
    assert [tick.label for tick in chart.ticks] == ["2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]


def test_gridlines_sit_at_round_counts_from_zero_to_above_the_tallest_bar():
    chart = build([bar(month(2026, 10), 27_000), bar(month(2026, 11), 12_000)])
    assert [line.label for line in chart.gridlines] == ["0", "10k", "20k", "30k"]
    assert chart.gridlines[0].y == chart.plot_bottom
    assert chart.gridlines[-1].y == chart.plot_top
    assert chart.max_label == "27.0k"


def test_the_compact_chart_has_the_same_bars_and_at_most_four_month_labels():
    wide, compact = build(_months(24)), build(_months(24), size=COMPACT)
    assert [b.name for b in compact.bars] == [b.name for b in wide.bars]
    assert 1 < len(compact.ticks) <= 4
    assert compact.width < wide.width
