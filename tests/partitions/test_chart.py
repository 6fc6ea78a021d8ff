"""The rows-per-month chart: one bar per month between the first and last, now and the cutoff marked."""

from partitions.chart import MonthBar, chart_build
from partitions.planner import partition_name


def month(year: int, number: int) -> int:
    return year * 12 + number - 1


def _months(count: int, start: int = month(2020, 1)) -> list[MonthBar]:
    return [
        MonthBar(
            month=start + i,
            name=partition_name("events", start + i),
            estimated_rows=1000 * (i + 1),
            total_bytes=8192,
        )
        for i in range(count)
    ]


def test_no_partitions_gives_an_empty_chart():
    chart = chart_build(months=[], current_month=month(2026, 11), retention_cutoff=month(2019, 11))
    assert chart.empty
    assert chart.bars == []


def test_one_bar_per_month_tallest_for_most_rows():
    months = _months(96)
    chart = chart_build(months=months, current_month=month(2026, 11), retention_cutoff=month(2019, 11))
    assert len(chart.bars) == 96
    assert max(chart.bars, key=lambda bar: bar.height).name == "events_2027_12"
    assert all(bar.x < later.x for bar, later in zip(chart.bars, chart.bars[1:], strict=False))
    assert all(bar.x + bar.width <= chart.width for bar in chart.bars)


def test_current_month_and_retention_cutoff_are_marked_where_they_fall():
    chart = chart_build(months=_months(24), current_month=month(2021, 1), retention_cutoff=month(2020, 6))
    labels = {marker.label: marker.x for marker in chart.markers}
    assert set(labels) == {"now", "retention cutoff"}
    assert labels["retention cutoff"] < labels["now"]


def test_never_analysed_month_is_drawn_as_unknown_not_as_zero():
    months = [MonthBar(month=month(2026, 11), name="events_2026_11", estimated_rows=None, total_bytes=0)]
    chart = chart_build(months=months, current_month=month(2026, 11), retention_cutoff=month(2019, 11))
    assert chart.bars[0].unknown
    assert "unknown" in chart.bars[0].title
