import uuid

from django.db import models
from django.db.models.functions import Now

from collectors.config_json import ConfigJSONDecoder, ConfigJSONEncoder
from collectors.errors import UnversionedWriteError
from core.validators import refuse_control_characters
from core.versioning import VersionedQuerySetMixin

# The only columns an edit may change; id, timestamps and the version belong to the database.
EDITABLE_FIELDS = ("site_name", "config", "is_active")


class CollectorQuerySet(VersionedQuerySetMixin, models.QuerySet):
    version_field = "config_version"
    write_service = "collectors.services.collector_update"

    def update(self, **kwargs):
        """Update the rows, bumping each one's config_version and updated_at."""
        kwargs.setdefault("updated_at", Now())
        return super().update(**kwargs)


class Collector(models.Model):
    """A camera site (platform table `collectors`); `config_version` is its optimistic-lock version."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    site_name = models.CharField(max_length=100, validators=[refuse_control_characters])
    # Numbers read and written exactly (collectors/config_json.py): an edit never rounds an untouched one.
    config = models.JSONField(default=dict, blank=True, encoder=ConfigJSONEncoder, decoder=ConfigJSONDecoder)
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
