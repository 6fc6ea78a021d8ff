import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Now


class Watchlist(models.Model):
    """A named list of plates to watch for (platform table `watchlists`, soft-deleted)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_column="created_by",
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(db_default=Now())
    updated_at = models.DateTimeField(db_default=Now())
    is_deleted = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_column="deleted_by",
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        managed = False
        db_table = "watchlists"
        ordering = ["name"]
        permissions = [("restore_watchlist", "Can restore a deleted watchlist")]

    def __str__(self):
        return self.name


class WatchlistEntry(models.Model):
    """A plate on a watchlist (platform table `watchlist_entries`, soft-deleted)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    watchlist = models.ForeignKey(
        Watchlist, on_delete=models.DO_NOTHING, db_constraint=False, related_name="entries"
    )
    plate_number = models.CharField(max_length=20)
    reason = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_column="created_by",
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(db_default=Now())
    is_deleted = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_column="deleted_by",
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        managed = False
        db_table = "watchlist_entries"
        ordering = ["plate_number"]
        verbose_name_plural = "watchlist entries"

    def __str__(self):
        return self.plate_number
