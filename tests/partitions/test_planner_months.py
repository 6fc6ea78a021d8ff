"""Calendar months as integers in UTC: exact arithmetic across month, year and leap-day ends."""

import datetime as dt

import pytest

from partitions.planner import UTC, month_index, month_label, month_start, partition_name, subtract_months

EAST = dt.timezone(dt.timedelta(hours=2))


def test_a_month_is_the_utc_calendar_month_of_an_aware_instant():
    assert month_index(dt.datetime(2027, 1, 1, 1, 0, tzinfo=EAST)) == month_index(
        dt.datetime(2026, 12, 1, tzinfo=UTC)
    )
    assert month_start(month_index(dt.datetime(2027, 3, 31, 23, tzinfo=UTC))) == dt.datetime(
        2027, 3, 1, tzinfo=UTC
    )
    with pytest.raises(ValueError, match="aware"):
        month_index(dt.datetime(2027, 1, 1))


def test_a_month_is_labelled_and_named_with_a_four_digit_year():
    month = month_index(dt.datetime(2027, 2, 10, tzinfo=UTC))
    assert month_label(month) == "2027-02"
    assert partition_name("events", month) == "events_2027_02"
    assert month_start(month + 11) == dt.datetime(2028, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("instant", "months", "expected"),
    [
        (dt.datetime(2027, 3, 31, 12, tzinfo=UTC), 1, dt.datetime(2027, 2, 28, 12, tzinfo=UTC)),
        (dt.datetime(2028, 2, 29, tzinfo=UTC), 12, dt.datetime(2027, 2, 28, tzinfo=UTC)),
        (dt.datetime(2027, 1, 15, tzinfo=UTC), 84, dt.datetime(2020, 1, 15, tzinfo=UTC)),
        (dt.datetime(2027, 3, 1, 1, tzinfo=EAST), 1, dt.datetime(2027, 1, 28, 23, tzinfo=UTC)),
    ],
)
def test_subtracting_months_keeps_the_wall_time_and_clamps_the_day(instant, months, expected):
    assert subtract_months(instant, months) == expected
