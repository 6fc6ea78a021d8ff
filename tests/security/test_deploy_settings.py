"""Production settings pass Django's deployment checks; weak passwords are refused."""

import os
import subprocess
import sys

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from tests.factories import UserFactory
from tests.support.database import database_url
from tests.support.subprocesses import ROOT


def _env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            values[name.strip()] = value.strip()
    return values


def _production_env() -> dict[str, str]:
    example = _env_example()
    # DJANGO_ALLOW_ASYNC_UNSAFE is the browser tests' own (Playwright's event loop); never in production.
    env = {k: v for k, v in os.environ.items() if k not in example and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update({k: v for k, v in example.items() if v})
    # The embedded server stands in for the production database and broker; the checks (the schema drift
    # check among them) read this run's migrated test database, not whatever state the dev database is in.
    env["DATABASE_URL"] = database_url()
    env.pop("REDIS_URL", None)
    env["DJANGO_SETTINGS_MODULE"] = "chaverim_admin.settings"
    return env


def _check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_env_example_describes_production():
    example = _env_example()

    assert example["DEBUG"] == "false"
    assert len(example["SECRET_KEY"]) >= 50
    assert example["SECURE_SSL_REDIRECT"] == "true"
    assert example["SESSION_COOKIE_SECURE"] == "true"
    assert example["CSRF_COOKIE_SECURE"] == "true"
    assert int(example["SECURE_HSTS_SECONDS"]) >= 31536000


@pytest.mark.django_db
def test_check_deploy_reports_no_issues_with_the_documented_production_values():
    result = _check_deploy(_production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.django_db
def test_check_deploy_flags_debug_on():
    result = _check_deploy({**_production_env(), "DEBUG": "true"})

    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr


@pytest.mark.parametrize("weak", ["password", "12345678", "short", "qwertyuiop"])
def test_password_validators_reject_weak_passwords(weak):
    with pytest.raises(ValidationError):
        validate_password(weak)


@pytest.mark.django_db
def test_password_validators_reject_a_password_like_the_username():
    user = UserFactory.build(username="margaret.hamilton", email="margaret.hamilton@example.org")

    with pytest.raises(ValidationError, match="too similar"):
        validate_password("margaret.hamilton1", user=user)


def test_password_validators_accept_a_strong_password():
    assert validate_password("tangerine-Orbit-Quartz-51") is None
