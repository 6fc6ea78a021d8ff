import uuid

from django.db import models
from django.db.models.functions import Now


class Collector(models.Model):
    """A camera site (platform table `collectors`); `config_version` is its optimistic-lock version."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    site_name = models.CharField(max_length=100)
    config = models.JSONField(default=dict, blank=True)
    config_version = models.IntegerField(default=1)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(db_default=Now())
    updated_at = models.DateTimeField(db_default=Now())

    class Meta:
        managed = False
        db_table = "collectors"
        ordering = ["site_name"]

    def __str__(self):
        return self.site_name
