"""The Celery task and the beat entry, run by a real worker (with embedded beat) on the embedded Valkey."""

import pytest
from celery.schedules import crontab
from django.conf import settings as django_settings

from chaverim_admin.celery import MAINTENANCE_ENTRY, app
from partitions.models import MaintenanceRun
from partitions.tasks import HARD_TIME_LIMIT, SOFT_TIME_LIMIT, maintain_partitions
from tests.factories import UserFactory
from tests.support.celery_worker import CeleryWorker, celery_worker
from tests.support.partitions import partition_names
from tests.support.waiting import wait_until

# A Valkey database of its own, so no other worker on the shared server takes these messages.
BROKER_DB = 13
UNFINISHED = (MaintenanceRun.Status.QUEUED, MaintenanceRun.Status.RUNNING)


def isolated_broker_url() -> str:
    separator = "&" if "?" in django_settings.CELERY_BROKER_URL else "?"
    return f"{django_settings.CELERY_BROKER_URL}{separator}virtual_host={BROKER_DB}"


def wait_for_run(worker: CeleryWorker, trigger: str, timeout: float) -> MaintenanceRun:
    """Return the first finished run with `trigger`; fail the test with the worker's log after `timeout` s."""

    def finished_run():
        return MaintenanceRun.objects.filter(trigger=trigger).exclude(status__in=UNFINISHED).first()

    try:
        return wait_until(finished_run, timeout=timeout, interval=0.5, what=f"a finished {trigger} run")
    except pytest.fail.Exception as failure:
        pytest.fail(f"{failure}\n{worker.log()[-3000:]}")


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
    assert entry["schedule"] == crontab.from_string(settings.PARTITION_MAINTENANCE_CRON)


@pytest.mark.usefixtures("clean_partitions")
def test_a_real_worker_runs_the_task_sent_by_run_now_and_by_beat():
    user = UserFactory(groups=["Operations"])
    broker = isolated_broker_url()
    with celery_worker(broker_url=broker, beat=True, PARTITION_MAINTENANCE_CRON="* * * * *") as worker:
        with app.connection_for_write(broker) as connection:
            maintain_partitions.apply_async(
                kwargs={"trigger": "manual", "user_id": str(user.pk)}, connection=connection
            )
        manual = wait_for_run(worker, "manual", timeout=60)
        # Beat fires on the next minute boundary ("* * * * *" for this worker).
        beat = wait_for_run(worker, "beat", timeout=75)
        log = worker.log()  # gone once the block ends

    assert manual.status == MaintenanceRun.Status.SUCCESS, log[-3000:]
    assert manual.user_id == user.pk
    assert beat.status == MaintenanceRun.Status.SUCCESS, log[-3000:]
    assert len(partition_names("events")) == 4
