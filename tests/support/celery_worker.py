"""Start a real Celery worker against this test run's database, and stop it."""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings

from tests.support.subprocesses import ROOT, subprocess_env
from tests.support.waiting import wait_until

START_TIMEOUT = 60
STOP_TIMEOUT = 30


@dataclass(frozen=True)
class CeleryWorker:
    process: subprocess.Popen
    hostname: str
    log_path: Path

    def running(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        """Return what the worker has logged so far."""
        return self.log_path.read_text(errors="replace")


@contextlib.contextmanager
def celery_worker(
    *, broker_url: str | None = None, queue: str | None = None, beat: bool = False, **env: str
) -> Iterator[CeleryWorker]:
    """Run a solo-pool worker for the block, once it answers a ping; `env` adds to its environment.

    `broker_url` (default: the settings' broker) and `queue` keep other test runs' tasks away from it;
    `beat` embeds the beat scheduler.
    """
    broker_url = broker_url or settings.CELERY_BROKER_URL
    folder = Path(tempfile.mkdtemp(prefix="celery-worker-"))
    hostname = f"test-{uuid.uuid4().hex[:12]}@localhost"
    command = [sys.executable, "-m", "celery", "-A", "chaverim_admin", "worker", "--pool=solo"]
    command += ["--hostname", hostname, "--without-gossip", "--without-mingle", "--loglevel=INFO"]
    if queue:
        command += ["--queues", queue]
    if beat:
        command += ["--beat", "--schedule", str(folder / "beat-schedule")]
    with (folder / "worker.log").open("w") as log:
        process = subprocess.Popen(
            command,
            env=subprocess_env(REDIS_URL=broker_url, **env),
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # embedded beat is a child process: stop the whole group
        )
    worker = CeleryWorker(process=process, hostname=hostname, log_path=folder / "worker.log")
    try:
        _wait_for_ping(worker, broker_url)
        yield worker
    finally:
        _stop(process)
        shutil.rmtree(folder, ignore_errors=True)


def _wait_for_ping(worker: CeleryWorker, broker_url: str) -> None:
    # An app of its own for the ping: the project app would publish it through its default broker's pool.
    with Celery(broker=broker_url, set_as_current=False) as pinger:

        def answers_or_exited():
            return not worker.running() or pinger.control.ping(destination=[worker.hostname], timeout=0.5)

        try:
            wait_until(answers_or_exited, timeout=START_TIMEOUT, what=f"the Celery worker {worker.hostname}")
        except pytest.fail.Exception as failure:
            pytest.fail(f"{failure}\n{worker.log()[-3000:]}")
    if not worker.running():
        pytest.fail(f"the Celery worker exited with {worker.process.returncode}:\n{worker.log()[-3000:]}")


def _stop(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)  # a warm shutdown: the task at hand finishes
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
