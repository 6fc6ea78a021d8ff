"""Each invalid setting stops start-up with a message naming it.

Extends tests/chaverim_admin/test_settings.py to the settings it leaves out.
"""

import pytest

from tests.chaverim_admin.test_settings import _start

BAD_VALUES = [
    ("LOGIN_THROTTLE_PROXY_COUNT", "-1"),
    ("LOGIN_THROTTLE_PROXY_COUNT", "two"),
    ("SECURE_HSTS_SECONDS", "-5"),
    ("SECURE_HSTS_SECONDS", "a year"),
    ("SECURE_SSL_REDIRECT", "maybe"),
    ("SESSION_COOKIE_SECURE", "2"),
    ("CSRF_COOKIE_SECURE", "yes please"),
    ("SECURE_HSTS_PRELOAD", "sometimes"),
    ("DB_POOL_SIZE", "1.5"),
    ("DB_ECHO", "loud"),
    ("DATABASE_URL", "not a url"),
    ("REDIS_URL", "valkey.example.org:6379"),
    ("PARTITION_LOCK_TIMEOUT", "-5s"),
    ("PARTITION_LOCK_TIMEOUT", "0"),
    ("PARTITION_RETENTION_MONTHS", "twelve"),
    ("PARTITION_MAINTENANCE_CRON", "61 * * * *"),
    ("PARTITION_MAINTENANCE_CRON", "* * * * * *"),
    ("EVENTS_MAX_WINDOW_DAYS", "-1"),
]


@pytest.mark.parametrize(("name", "value"), BAD_VALUES)
def test_bad_setting_stops_start_up_naming_the_variable(name, value):
    result = _start({name: value})

    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last_line
    assert name in last_line
    assert "Traceback" in result.stderr  # and nothing else started: setup stopped at the setting


def test_time_zone_that_does_not_exist_stops_start_up_naming_it():
    result = _start({"TIME_ZONE": "Mars/Olympus_Mons"})

    assert result.returncode != 0
    assert "Mars/Olympus_Mons" in result.stderr.strip().splitlines()[-1]
