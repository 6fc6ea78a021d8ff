"""The Celery application, configured from Django's CELERY_* settings; the beat schedule lives here."""

import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import setup_logging
from django_structlog.celery.steps import DjangoStructLogInitStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chaverim_admin.settings")

app = Celery("chaverim_admin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The worker logs as the web does (LOG_FORMAT), with the request id of the request that queued the task.
app.steps["worker"].add(DjangoStructLogInitStep)

MAINTENANCE_ENTRY = "partition-maintenance"
AUDIT_VERIFICATION_ENTRY = "audit-chain-verification"


@setup_logging.connect
def logging_from_settings(**kwargs):
    """Keep Django's LOGGING (one line per event, LOG_FORMAT) rather than Celery's own log format."""
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@app.on_after_configure.connect
def schedule_partition_maintenance(sender, **kwargs):
    """Add the maintenance beat entry from PARTITION_MAINTENANCE_CRON once settings are loaded."""
    from django.conf import settings

    sender.add_periodic_task(
        crontab.from_string(settings.PARTITION_MAINTENANCE_CRON),
        sender.signature("partitions.tasks.maintain_partitions", kwargs={"trigger": "beat"}),
        name=MAINTENANCE_ENTRY,
    )


@app.on_after_configure.connect
def schedule_audit_chain_verification(sender, **kwargs):
    """Add the daily check of the audit log's hash chain from AUDIT_VERIFY_CRON."""
    from django.conf import settings

    sender.add_periodic_task(
        crontab.from_string(settings.AUDIT_VERIFY_CRON),
        sender.signature("core.tasks.verify_audit_chain"),
        name=AUDIT_VERIFICATION_ENTRY,
    )
