"""moment_parse: every spelling of a date is a date (as an end it takes in its day); times read in UTC."""

import datetime as dt

import pytest

from core.moments import moment_parse


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("raw", "start", "end"),
    [
        ("2019-11-30", at(2019, 11, 30), at(2019, 12, 1)),
        ("20191130", at(2019, 11, 30), at(2019, 12, 1)),
        ("2019-W48-6", at(2019, 11, 30), at(2019, 12, 1)),
        (" 2019-11-30 ", at(2019, 11, 30), at(2019, 12, 1)),
        ("2019-12-31", at(2019, 12, 31), at(2020, 1, 1)),
    ],
)
def test_every_date_spelling_is_a_date_and_as_an_end_takes_in_that_day(raw, start, end):
    assert (moment_parse(raw, is_end=False), moment_parse(raw, is_end=True)) == (start, end)


@pytest.mark.parametrize(
    ("raw", "moment"),
    [
        ("2019-11-30T00:00", at(2019, 11, 30)),
        ("2019-11-30 08:30:15", at(2019, 11, 30, 8, 30, 15)),
        ("2019-11-30T10:00+02:00", at(2019, 11, 30, 8)),
        ("2019-11-30T00:00Z", at(2019, 11, 30)),
        ("20191130T0830", at(2019, 11, 30, 8, 30)),
    ],
)
def test_a_date_and_time_is_taken_as_given_in_utc_unless_it_has_an_offset(raw, moment):
    assert moment_parse(raw, is_end=False) == moment_parse(raw, is_end=True) == moment
    assert moment_parse(raw, is_end=True).tzinfo == dt.UTC


@pytest.mark.parametrize("raw", ["", "yesterday", "2019-13-01", "2019-11-31", "2019-11-30T25:00", "x" * 41])
def test_anything_else_is_a_value_error(raw):
    with pytest.raises(ValueError):
        moment_parse(raw, is_end=False)


def test_the_day_after_the_last_date_is_an_overflow_error():
    with pytest.raises(OverflowError):
        moment_parse("9999-12-31", is_end=True)
