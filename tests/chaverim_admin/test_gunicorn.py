"""chaverim_admin/gunicorn.py: /metrics adds up every gunicorn worker's request metrics."""

import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.subprocesses import ROOT, subprocess_env
from tests.support.waiting import wait_until

pytestmark = pytest.mark.django_db


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> bytes | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (a local http URL)
            return response.read()
    except OSError:
        return None


def test_metrics_add_up_the_requests_of_every_worker_and_the_folder_goes_with_the_server(tmp_path):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    folder = tmp_path / "metrics"
    command = [sys.executable, "-m", "gunicorn", "chaverim_admin.wsgi:application"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "2", "--config", "python:chaverim_admin.gunicorn"]
    env = subprocess_env(PROMETHEUS_MULTIPROC_DIR=str(folder), SECURE_SSL_REDIRECT="false")
    (folder / "stale.db").parent.mkdir()
    (folder / "stale.db").write_bytes(b"from a previous server")
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until(lambda: _get(f"{base}/healthz"), timeout=60, what="gunicorn to answer /healthz")
        for _ in range(9):
            assert _get(f"{base}/healthz") == b"ok\n"
        body = _get(f"{base}/metrics")
    finally:
        server.send_signal(signal.SIGTERM)
        _out, stderr = server.communicate(timeout=30)

    assert body is not None, stderr[-3000:]
    requests = next(
        family
        for family in text_string_to_metric_families(body.decode())
        if family.name == "django_http_requests_before_middlewares"
    )
    # Ten /healthz and this scrape, between two workers: each counted once, whichever worker was scraped.
    assert [sample.value for sample in requests.samples if sample.name.endswith("_total")] == [11]
    assert not Path(folder, "stale.db").exists()
