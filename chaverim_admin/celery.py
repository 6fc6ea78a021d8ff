"""The Celery application, configured from Django's CELERY_* settings; the beat schedule lives here."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chaverim_admin.settings")

app = Celery("chaverim_admin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

MAINTENANCE_ENTRY = "partition-maintenance"


@app.on_after_configure.connect
def schedule_partition_maintenance(sender, **kwargs):
    """Add the maintenance beat entry from PARTITION_MAINTENANCE_CRON once settings are loaded."""
    from django.conf import settings

    sender.add_periodic_task(
        crontab.from_string(settings.PARTITION_MAINTENANCE_CRON),
        sender.signature("partitions.tasks.maintain_partitions", kwargs={"trigger": "beat"}),
        name=MAINTENANCE_ENTRY,
    )
