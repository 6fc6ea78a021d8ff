import datetime as dt

from partitions.chart import MonthBar, chart_build


def _months(count: int, start=dt.date(2020, 1, 1)):
    months = []
    for i in range(count):
        year, month = divmod(start.month - 1 + i, 12)
        day = dt.date(start.year + year, month + 1, 1)
        months.append(
            MonthBar(month=day, name=f"events_{day:%Y_%m}", estimated_rows=1000 * (i + 1), total_bytes=8192)
        )
    return months


def test_no_partitions_gives_an_empty_chart():
    chart = chart_build(months=[], current_month=dt.date(2026, 11, 1), retention_cutoff=dt.date(2019, 11, 1))
    assert chart.empty
    assert chart.bars == []


def test_one_bar_per_month_tallest_for_most_rows():
    months = _months(96)
    chart = chart_build(
        months=months, current_month=dt.date(2026, 11, 1), retention_cutoff=dt.date(2019, 11, 1)
    )
    assert len(chart.bars) == 96
    assert max(chart.bars, key=lambda bar: bar.height).name == "events_2027_12"
    assert all(bar.x < later.x for bar, later in zip(chart.bars, chart.bars[1:], strict=False))
    assert all(bar.x + bar.width <= chart.width for bar in chart.bars)


def test_current_month_and_retention_cutoff_are_marked_where_they_fall():
    chart = chart_build(
        months=_months(24), current_month=dt.date(2021, 1, 1), retention_cutoff=dt.date(2020, 6, 1)
    )
    labels = {marker.label: marker.x for marker in chart.markers}
    assert set(labels) == {"now", "retention cutoff"}
    assert labels["retention cutoff"] < labels["now"]


def test_never_analysed_month_is_drawn_as_unknown_not_as_zero():
    months = [MonthBar(month=dt.date(2026, 11, 1), name="events_2026_11", estimated_rows=None, total_bytes=0)]
    chart = chart_build(
        months=months, current_month=dt.date(2026, 11, 1), retention_cutoff=dt.date(2019, 11, 1)
    )
    assert chart.bars[0].unknown
    assert "unknown" in chart.bars[0].title
