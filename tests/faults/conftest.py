"""A web server subprocess whose database is down, for fault tests."""

import os
import socket
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass

import pytest

from tests.support.subprocesses import ROOT
from tests.support.waiting import wait_until


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Answer:
    status: int
    headers: dict
    body: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def http(url: str, *, data: bytes | None = None, headers: dict | None = None, timeout: float = 30) -> Answer:
    """Send one request without following redirects; return its status, headers and body."""
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310 - local test server
    try:
        with opener.open(request, timeout=timeout) as response:
            return Answer(response.status, dict(response.headers), response.read().decode())
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers), error.read().decode())


def start_web_server(extra_env: dict[str, str]):
    """Start gunicorn on a free port with the given environment; return (process, base URL)."""
    port = _free_port()
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop_web_server
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "fault-test-secret-key",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        **extra_env,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "chaverim_admin.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=env,
        # A file, not a pipe: the server logs a traceback per failed request and would block on a full pipe.
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    process.log = log
    base = f"http://127.0.0.1:{port}"

    def answers_healthz() -> bool:
        if process.poll() is not None:
            pytest.fail(f"the web server did not start:\n{_read_log(process)[-3000:]}")
        try:
            return http(base + "/healthz", timeout=2).status == 200
        except OSError:
            return False

    try:
        wait_until(answers_healthz, timeout=60, interval=0.2, what="the web server to answer /healthz")
    except BaseException:
        stop_web_server(process)
        raise
    return process, base


def _read_log(process) -> str:
    process.log.seek(0)
    return process.log.read().decode(errors="replace")


def stop_web_server(process) -> str:
    """Stop the server; return what it logged."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    output = _read_log(process)
    process.log.close()
    return output


# A PostgreSQL URL nothing listens on: port 1 on the loopback refuses connections at once.
DEAD_DATABASE_URL = "postgres://chaverim:chaverim@127.0.0.1:1/chaverim"


@pytest.fixture(scope="module")
def dead_database_server():
    """Serve the dashboard with its database down (no pool: each request tries afresh)."""
    process, base = start_web_server({"DATABASE_URL": DEAD_DATABASE_URL, "DB_POOL_SIZE": "0"})
    yield base
    stop_web_server(process)
