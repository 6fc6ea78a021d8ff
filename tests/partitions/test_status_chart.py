"""The status page's chart input: managed months only, thinned month labels, human sizes."""

import datetime as dt

from partitions.chart import chart_build, chart_months
from partitions.chart_elements import MAX_TICKS, MonthBar
from partitions.humanize import human_bytes
from partitions.selectors import PartitionStatus

UTC = dt.UTC
NOVEMBER_2026 = 2026 * 12 + 10
NOW = dt.datetime(2026, 11, 16, tzinfo=UTC)
CUTOFF = dt.datetime(2019, 11, 16, tzinfo=UTC)


def partition(name, start, end, state="managed", rows=None):
    return PartitionStatus(
        name=name, start=start, end=end, state=state, estimated_rows=rows, total_bytes=8192
    )


def test_chart_months_keep_managed_monthly_partitions_and_leave_default_and_unmanaged_out():
    partitions = [
        partition(
            "events_2026_11",
            dt.datetime(2026, 11, 1, tzinfo=UTC),
            dt.datetime(2026, 12, 1, tzinfo=UTC),
            rows=5,
        ),
        partition(
            "events_odd",
            dt.datetime(2026, 12, 1, tzinfo=UTC),
            dt.datetime(2026, 12, 15, tzinfo=UTC),
            "unmanaged",
        ),
        partition("events_default", None, None, "default"),
    ]

    months = chart_months(partitions)

    assert months == [
        MonthBar(month=NOVEMBER_2026, name="events_2026_11", estimated_rows=5, total_bytes=8192)
    ]


def test_month_labels_are_thinned_to_at_most_a_dozen_and_start_at_the_first_month():
    january_2019 = 2019 * 12
    months = [
        MonthBar(month=january_2019 + i, name=f"m{i}", estimated_rows=i, total_bytes=0) for i in range(96)
    ]

    chart = chart_build(months=months, now=dt.datetime(2026, 12, 16, tzinfo=UTC), retention_cutoff=CUTOFF)

    assert 1 < len(chart.ticks) <= MAX_TICKS
    assert chart.ticks[0].label == "2019-01"
    assert [tick.x for tick in chart.ticks] == sorted(tick.x for tick in chart.ticks)
    assert chart.max_label == "95"


def test_one_month_is_labelled_and_sizes_read_in_binary_units():
    chart = chart_build(
        months=[
            MonthBar(month=NOVEMBER_2026, name="events_2026_11", estimated_rows=1_500_000, total_bytes=0)
        ],
        now=NOW,
        retention_cutoff=CUTOFF,
    )

    assert [tick.label for tick in chart.ticks] == ["2026-11"]
    assert chart.max_label == "1.5M"
    assert human_bytes(8192) == "8.0 KiB"
    assert human_bytes(3 * 2**30) == "3.0 GiB"
