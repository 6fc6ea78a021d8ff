import uuid

from django.db import models
from django.db.models import F
from django.db.models.functions import Now

from collectors.errors import UnversionedWriteError

# The only columns an edit may change; id, timestamps and the version belong to the database.
EDITABLE_FIELDS = ("site_name", "config", "is_active")


class CollectorQuerySet(models.QuerySet):
    def update(self, **kwargs):
        """Update the rows and bump each one's config_version, so editors holding an older copy conflict."""
        if "config_version" in kwargs:
            raise UnversionedWriteError("config_version is bumped by every update; it cannot be set by hand")
        kwargs["config_version"] = F("config_version") + 1
        kwargs.setdefault("updated_at", Now())
        return super().update(**kwargs)

    def bulk_update(self, objs, fields, batch_size=None):
        """Refuse: a bulk write cannot check each row's loaded version."""
        raise UnversionedWriteError("use collectors.services.collector_update for each collector")


class Collector(models.Model):
    """A camera site (platform table `collectors`); `config_version` is its optimistic-lock version."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    site_name = models.CharField(max_length=100)
    config = models.JSONField(default=dict, blank=True)
    config_version = models.IntegerField(default=1)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(db_default=Now())
    updated_at = models.DateTimeField(db_default=Now())

    objects = CollectorQuerySet.as_manager()

    class Meta:
        managed = False
        db_table = "collectors"
        ordering = ["site_name"]

    def __str__(self):
        return self.site_name

    def save(self, *args, **kwargs):
        """Insert a new collector; refuse a plain UPDATE, which would overwrite newer edits unseen."""
        if self._state.adding or kwargs.get("force_insert"):
            return super().save(*args, **kwargs)
        raise UnversionedWriteError(
            "a collector is changed only through collectors.services.collector_update, checked against "
            "the version that was loaded"
        )
