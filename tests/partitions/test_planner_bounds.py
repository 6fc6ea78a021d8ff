"""Partition bounds: written with an explicit +00 offset, read back from the catalog's text."""

import datetime as dt

import pytest

from partitions.planner import UTC, bound_literal, managed_period, parse_bound

JANUARY, FEBRUARY = dt.datetime(2027, 1, 1, tzinfo=UTC), dt.datetime(2027, 2, 1, tzinfo=UTC)


def test_a_bound_is_written_at_utc_with_an_explicit_offset():
    instant = dt.datetime(2027, 3, 1, 2, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert bound_literal(instant) == "2027-03-01 00:00:00+00"


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        (
            "FOR VALUES FROM ('2027-01-01 00:00:00+00') TO ('2027-02-01 00:00:00+00')",
            (dt.datetime(2027, 1, 1, tzinfo=UTC), dt.datetime(2027, 2, 1, tzinfo=UTC)),
        ),
        ("FOR VALUES FROM (MINVALUE) TO ('2020-01-01 00:00:00+00')", "unbounded"),
        ("FOR VALUES IN (1, 2)", None),
        ("DEFAULT", None),
    ],
)
def test_parse_bound_reads_range_bounds(expression, expected):
    parsed = parse_bound(expression)
    if expected == "unbounded":
        assert parsed[0].year == 1 and parsed[1] == dt.datetime(2020, 1, 1, tzinfo=UTC)
    else:
        assert parsed == expected


@pytest.mark.parametrize(
    ("name", "lower", "upper", "expected"),
    [
        (
            "events_2027_01",
            dt.datetime(2027, 1, 1, tzinfo=UTC),
            dt.datetime(2027, 2, 1, tzinfo=UTC),
            2027 * 12,
        ),
        ("events_2027_02", dt.datetime(2027, 1, 1, tzinfo=UTC), dt.datetime(2027, 2, 1, tzinfo=UTC), None),
        ("events_2027_01", dt.datetime(2027, 1, 1, tzinfo=UTC), dt.datetime(2027, 3, 1, tzinfo=UTC), None),
        (
            "events_2027_01",
            dt.datetime(2027, 1, 1, 12, tzinfo=UTC),
            dt.datetime(2027, 2, 1, tzinfo=UTC),
            None,
        ),
        ("events_2027_01", None, dt.datetime(2027, 2, 1, tzinfo=UTC), None),
    ],
)
def test_a_child_is_managed_only_for_one_whole_utc_month_under_its_own_name(name, lower, upper, expected):
    assert managed_period("month", "events", name, lower, upper) == expected
