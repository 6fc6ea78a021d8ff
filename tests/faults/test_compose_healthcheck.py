"""The compose `web` healthcheck passes against gunicorn run as compose runs it, with production settings.

No container engine runs here, so the test runs the compose `command` and the healthcheck's `test` itself,
with a real host name in ALLOWED_HOSTS as the README tells operators to set.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from tests.faults.conftest import _free_port, http
from tests.support.subprocesses import ROOT
from tests.support.waiting import wait_until

HOST_NAME = "admin.example.org"


def _web_service() -> dict:
    compose = yaml.safe_load((Path(ROOT) / "docker-compose.yml").read_text())
    return compose["services"]["web"]


def _with_port(argv: list[str], port: int) -> list[str]:
    """Return the compose command with its bind address moved to a free local port."""
    argv = list(argv)
    bind = argv.index("--bind")
    argv[bind + 1] = f"127.0.0.1:{port}"
    argv[0] = str(Path(sys.executable).parent / argv[0])  # gunicorn of this virtualenv
    return argv


def test_the_compose_web_healthcheck_passes_with_a_real_host_name_in_allowed_hosts():
    web = _web_service()
    port = _free_port()
    env = {
        **os.environ,
        # Production settings, as the image runs them from .env.example with a real host name.
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "compose-healthcheck-secret-key",
        "ALLOWED_HOSTS": HOST_NAME,
        "CSRF_TRUSTED_ORIGINS": f"https://{HOST_NAME}",
    }
    for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
        env.pop(name, None)
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            _with_port(web["command"], port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            wait_until(
                lambda: _answers(port), timeout=60, interval=0.2, what="gunicorn to answer on its port"
            )
            kind, *check = web["healthcheck"]["test"]
            assert kind == "CMD"
            check = [
                sys.executable if word == "python" else word.replace(":8000", f":{port}") for word in check
            ]
            healthcheck = subprocess.run(check, capture_output=True, text=True, timeout=30, check=False)
            page = http(f"http://127.0.0.1:{port}/accounts/login/")
        finally:
            server.terminate()
            server.wait(timeout=20)

    assert healthcheck.returncode == 0, healthcheck.stderr
    # Host checking is not weakened for the rest of the site.
    assert page.status == 400


def _answers(port: int) -> bool:
    try:
        return http(f"http://127.0.0.1:{port}/healthz", headers={"Host": HOST_NAME}, timeout=2).status == 200
    except OSError:
        return False
