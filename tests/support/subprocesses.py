"""Run the project in a subprocess (a command, a worker) against this test run's database."""

import os
import subprocess
import sys
from pathlib import Path

from tests.support.database import database_url

ROOT = Path(__file__).resolve().parents[2]


def subprocess_env(**extra: str) -> dict[str, str]:
    """Return the environment for a subprocess that uses this test run's database, plus `extra`."""
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DB_POOL_SIZE": "0",
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "test-only-secret-key",
        **extra,
    }


def manage(*args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    """Run `manage.py` in a subprocess against the test database and wait for it."""
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=subprocess_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        check=False,
    )


def manage_in_background(*args: str, **env: str) -> subprocess.Popen:
    """Start `manage.py` in a subprocess against the test database; the caller waits for it or kills it."""
    return subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=subprocess_env(**env),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
