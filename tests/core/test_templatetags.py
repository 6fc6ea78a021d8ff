"""The pages' shared filters: a time with its zone and how long ago it was, counts with separators."""

import datetime as dt

import pytest

from core.templatetags.chaverim import grouped, relative_time, when

NOW = dt.datetime(2026, 11, 29, 8, 15, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (NOW - dt.timedelta(seconds=20), "just now"),
        (NOW - dt.timedelta(minutes=4, seconds=10), "4\xa0minutes ago"),
        (NOW - dt.timedelta(days=3, hours=5), "3\xa0days ago"),
        (NOW + dt.timedelta(minutes=43), "in 43\xa0minutes"),
    ],
)
def test_relative_time_is_coarse_and_says_which_way(instant, expected):
    assert relative_time(instant, now=NOW) == expected


def test_when_writes_the_time_in_its_zone_with_how_long_ago_beside_it(time_machine, settings):
    settings.TIME_ZONE = "UTC"
    time_machine.move_to(NOW, tick=False)

    shown = when(NOW - dt.timedelta(minutes=4))

    assert shown == (
        '<time datetime="2026-11-29T08:11:00+00:00">2026-11-29 08:11 UTC</time> '
        '<span class="muted">(4\xa0minutes ago)</span>'
    )
    assert "08:11:00 UTC" in when(NOW - dt.timedelta(minutes=4), "seconds")
    assert when(None) == "—"


def test_grouped_separates_thousands_and_shows_nothing_as_a_dash():
    assert [grouped(value) for value in (0, 12345, 1_234_567, None, "")] == [
        "0",
        "12,345",
        "1,234,567",
        "—",
        "—",
    ]
