"""When beat starts maintenance: the firings of the PARTITION_MAINTENANCE_CRON crontab, in UTC."""

import datetime as dt

from celery.schedules import crontab
from django.conf import settings
from django.utils import timezone

UTC = dt.UTC


def cron_next_fire(expression: str, after: dt.datetime) -> dt.datetime | None:
    """Return the first minute strictly after `after` (UTC) that the five-field crontab fires."""
    schedule = crontab.from_string(expression)
    start = after.astimezone(UTC).replace(second=0, microsecond=0)
    hours, minutes = sorted(schedule.hour), sorted(schedule.minute)
    day = start.date()
    for _ in range(366 * 5):  # "29 February on a Monday" style schedules recur within years, not days
        if (
            day.month in schedule.month_of_year
            and day.day in schedule.day_of_month
            and day.isoweekday() % 7 in schedule.day_of_week
        ):
            for hour in hours:
                for minute in minutes:
                    fire = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
                    if fire > after:
                        return fire
        day += dt.timedelta(days=1)
    return None


def maintenance_next_run(*, now: dt.datetime | None = None) -> dt.datetime | None:
    """Return when beat next starts maintenance, from PARTITION_MAINTENANCE_CRON."""
    return cron_next_fire(settings.PARTITION_MAINTENANCE_CRON, now or timezone.now())
