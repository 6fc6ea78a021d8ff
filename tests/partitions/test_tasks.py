"""The Celery task and the beat entry, run by a real worker (with embedded beat) on the embedded Valkey."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from chaverim_admin.celery import MAINTENANCE_ENTRY, app
from partitions.health import cron_schedule
from partitions.models import MaintenanceRun
from partitions.tasks import HARD_TIME_LIMIT, SOFT_TIME_LIMIT, maintain_partitions
from tests.factories import UserFactory
from tests.partitions.conftest import ROOT, partition_names, subprocess_env

# A Valkey database of its own, so no other worker on the shared server takes these messages.
BROKER_DB = 13


def isolated_broker_url() -> str:
    separator = "&" if "?" in django_settings.CELERY_BROKER_URL else "?"
    return f"{django_settings.CELERY_BROKER_URL}{separator}virtual_host={BROKER_DB}"


def wait_for_run(trigger: str, timeout: float) -> MaintenanceRun | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = MaintenanceRun.objects.filter(trigger=trigger).exclude(status="running").first()
        if run is not None:
            return run
        time.sleep(0.5)
    return None


def test_task_acks_late_with_time_limits_below_the_visibility_timeout():
    visibility = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert maintain_partitions.acks_late is True
    assert SOFT_TIME_LIMIT < HARD_TIME_LIMIT < visibility
    assert maintain_partitions.soft_time_limit == SOFT_TIME_LIMIT
    assert maintain_partitions.time_limit == HARD_TIME_LIMIT
    assert maintain_partitions.retry_backoff


def test_beat_entry_comes_from_the_maintenance_crontab(settings):
    entry = app.conf.beat_schedule[MAINTENANCE_ENTRY]

    assert entry["task"] == "partitions.tasks.maintain_partitions"
    assert entry["kwargs"] == {"trigger": "beat"}
    assert entry["schedule"] == cron_schedule(settings.PARTITION_MAINTENANCE_CRON)
    assert cron_schedule("15 * * * *").minute == {15}


@pytest.mark.usefixtures("clean_partitions")
def test_a_real_worker_runs_the_task_sent_by_run_now_and_by_beat():
    user = UserFactory(groups=["Operations"])
    broker = isolated_broker_url()
    folder = Path(tempfile.mkdtemp(prefix="engine-worker-"))
    log = (folder / "worker.log").open("w")
    schedule = str(folder / "beat-schedule")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "chaverim_admin",
            "worker",
            "--pool=solo",
            "--beat",
            "--schedule",
            schedule,
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
            "--hostname",
            f"engine-test-{uuid.uuid4().hex[:8]}@%h",
        ],
        env=subprocess_env(REDIS_URL=broker, PARTITION_MAINTENANCE_CRON="* * * * *"),
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        with app.connection_for_write(broker) as connection:
            maintain_partitions.apply_async(
                kwargs={"trigger": "manual", "user_id": str(user.pk)}, connection=connection
            )
        manual = wait_for_run("manual", timeout=60)
        # Beat fires on the next minute boundary ("* * * * *" for this worker).
        beat = wait_for_run("beat", timeout=75)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
        log.close()
        output = (folder / "worker.log").read_text()
        shutil.rmtree(folder, ignore_errors=True)

    assert manual is not None, output[-3000:]
    assert manual.status == MaintenanceRun.Status.SUCCESS
    assert manual.user_id == user.pk
    assert beat is not None, output[-3000:]
    assert beat.status == MaintenanceRun.Status.SUCCESS
    assert len(partition_names("events")) == 4
