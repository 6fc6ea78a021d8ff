"""The maintenance crontab: when beat next starts a run, in UTC."""

import datetime as dt

import pytest

from partitions.planner import UTC
from partitions.schedule import cron_next_fire, maintenance_next_run


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("15 * * * *", dt.datetime(2027, 3, 10, 12, 0), dt.datetime(2027, 3, 10, 12, 15)),
        ("15 * * * *", dt.datetime(2027, 3, 10, 12, 15), dt.datetime(2027, 3, 10, 13, 15)),
        ("0 3 * * *", dt.datetime(2027, 12, 31, 4, 0), dt.datetime(2028, 1, 1, 3, 0)),
        ("0 0 29 2 *", dt.datetime(2027, 3, 1), dt.datetime(2028, 2, 29, 0, 0)),
        ("30 6 * * 1", dt.datetime(2027, 3, 10, 12, 0), dt.datetime(2027, 3, 15, 6, 30)),  # next Monday
    ],
)
def test_cron_next_fire_reads_the_five_crontab_fields(expression, after, expected):
    assert cron_next_fire(expression, after.replace(tzinfo=UTC)) == expected.replace(tzinfo=UTC)


def test_the_next_run_follows_the_configured_crontab(settings):
    settings.PARTITION_MAINTENANCE_CRON = "0 3 * * *"
    assert maintenance_next_run(now=dt.datetime(2027, 3, 10, 4, tzinfo=UTC)) == dt.datetime(
        2027, 3, 11, 3, tzinfo=UTC
    )
