"""Docker cannot run here: check that the compose file's commands name modules and settings that exist."""

import importlib
import re
from pathlib import Path

import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def _command(service: str) -> list[str]:
    return SERVICES[service]["command"]


def test_stack_has_postgres_17_redis_7_and_the_app_services():
    assert SERVICES["postgres"]["image"] == "postgres:17"
    assert SERVICES["redis"]["image"] == "redis:7"
    assert "healthcheck" in SERVICES["postgres"]
    assert "pgdata" in COMPOSE["volumes"]
    assert {"migrate", "web", "worker", "beat"} <= set(SERVICES)


def test_app_services_share_one_image_and_env_file():
    images = {SERVICES[name]["image"] for name in ("migrate", "web", "worker", "beat")}
    env_files = {SERVICES[name]["env_file"] for name in ("migrate", "web", "worker", "beat")}
    assert images == {"chaverim-admin:latest"}
    assert env_files == {".env"}


def test_migrate_is_a_one_shot_management_command():
    command = _command("migrate")
    assert command[:3] == ["python", "manage.py", "migrate"]
    assert "migrate" in get_commands()
    assert SERVICES["migrate"]["restart"] == "no"


def test_web_serves_the_wsgi_application_that_exists():
    module, attribute = _command("web")[1].split(":")
    assert _command("web")[0] == "gunicorn"
    assert hasattr(importlib.import_module(module), attribute)


def test_worker_and_beat_name_the_celery_app_and_beat_runs_once():
    for service in ("worker", "beat"):
        command = _command(service)
        assert command[:3] == ["celery", "-A", "chaverim_admin"]
        assert importlib.import_module(command[2]).celery_app.main == "chaverim_admin"
    assert "worker" in _command("worker")
    assert "beat" in _command("beat")
    assert SERVICES["beat"]["deploy"]["replicas"] == 1


def test_dockerfile_runs_the_same_settings_module_and_wsgi_app():
    dockerfile = (ROOT / "Dockerfile").read_text()
    settings_module = re.search(r"DJANGO_SETTINGS_MODULE=([\w.]+)", dockerfile).group(1)
    assert importlib.import_module(settings_module).ROOT_URLCONF == "chaverim_admin.urls"
    assert "chaverim_admin.wsgi:application" in dockerfile


def test_compose_settings_are_documented_in_env_example():
    documented = {
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    app_environment = SERVICES["web"]["environment"]
    assert set(app_environment) <= documented
