"""Celery tasks of the partitions app: thin wrappers around the services."""

import psycopg
from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import InterfaceError, OperationalError

from partitions.models import MaintenanceRun
from partitions.services import partitions_apply

# Below the broker's visibility timeout (3600 s), so a slow run is never handed to a second worker.
SOFT_TIME_LIMIT = 25 * 60
HARD_TIME_LIMIT = 30 * 60


@shared_task(
    acks_late=True,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=HARD_TIME_LIMIT,
    # Django wraps errors on its own connection; the advisory-lock connection raises psycopg's own.
    autoretry_for=(OperationalError, InterfaceError, psycopg.OperationalError),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def maintain_partitions(
    trigger: str = MaintenanceRun.Trigger.BEAT, user_id: str | None = None, run_id: int | None = None
) -> dict:
    """Run partition maintenance for every registered table (into the queued run `run_id`, if given)."""
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    # A redelivered task whose queued run already started records a run of its own.
    queued = MaintenanceRun.objects.filter(pk=run_id, status=MaintenanceRun.Status.QUEUED).first()
    run = partitions_apply(trigger=trigger, user=user, run=queued)
    return {"run": run.pk, "status": run.status}
