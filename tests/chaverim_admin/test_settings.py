import os
import subprocess
import sys
from pathlib import Path

import pytest

BAD_VALUES = [
    ("DB_POOL_SIZE", "many"),
    ("DB_MAX_OVERFLOW", "-1"),
    ("DEBUG", "perhaps"),
    ("DATABASE_URL", "mysql://db/chaverim"),
    ("REDIS_URL", "http://broker"),
    ("PARTITION_PREMAKE_MONTHS", "0"),
    ("PARTITION_RETENTION_MONTHS", "0"),
    ("PARTITION_RETENTION_MODE", "shred"),
    ("PARTITION_LOCK_TIMEOUT", "soon"),
    ("PARTITION_MAX_DROPS_PER_RUN", "-3"),
    ("PARTITION_MAINTENANCE_CRON", "every hour"),
    ("EVENTS_MAX_WINDOW_DAYS", "0"),
    ("METRICS_TOKEN", "too-short"),
    ("METRICS_ALLOWED_NETS", "10.0.0.0/8,intranet"),
    ("LOG_FORMAT", "xml"),
]


def _start(extra_env: dict[str, str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "DEBUG": "true", **extra_env}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(("name", "value"), BAD_VALUES)
def test_bad_setting_stops_start_up_naming_the_variable(name, value):
    result = _start({name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert name in result.stderr.strip().splitlines()[-1]


def test_secret_key_is_required_when_debug_is_off():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["DEBUG"] = "false"
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**env, "DJANGO_SETTINGS_MODULE": "chaverim_admin.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_good_settings_start():
    result = _start({"PARTITION_LOCK_TIMEOUT": "500ms", "PARTITION_MAINTENANCE_CRON": "*/5 * * * *"})
    assert result.returncode == 0, result.stderr


def test_crontab_fields_are_read_in_crontab_order():
    # The third field is the day of the month: "03:00 on the 15th" is valid, "32" days are not.
    assert _start({"PARTITION_MAINTENANCE_CRON": "0 3 15 * *"}).returncode == 0
    result = _start({"PARTITION_MAINTENANCE_CRON": "0 3 32 * *"})
    assert result.returncode != 0
    assert "PARTITION_MAINTENANCE_CRON" in result.stderr


def test_pool_settings_map_onto_djangos_psycopg_pool(settings):
    pool = settings.DATABASES["default"]["OPTIONS"].get("pool")
    if settings.DB_POOL_SIZE:
        assert pool["min_size"] == settings.DB_POOL_SIZE
        assert pool["max_size"] == settings.DB_POOL_SIZE + settings.DB_MAX_OVERFLOW
    else:
        assert pool is None


def test_manage_py_names_a_bad_setting_without_a_traceback():
    env = {**os.environ, "DEBUG": "true", "PARTITION_RETENTION_MODE": "shred"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 2
    assert result.stderr.startswith("Configuration error: PARTITION_RETENTION_MODE")
    assert "Traceback" not in result.stderr
