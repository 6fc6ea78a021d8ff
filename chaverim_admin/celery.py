"""The Celery application, configured from Django's CELERY_* settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chaverim_admin.settings")

app = Celery("chaverim_admin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
