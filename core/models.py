import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta:
        db_table = "chaverim_user"
        verbose_name = "user"
        verbose_name_plural = "users"


class AuditLog(models.Model):
    """One row per change made through the dashboard (platform table `audit_log`, partitioned by month)."""

    pk = models.CompositePrimaryKey("id", "occurred_at")
    id = models.BigIntegerField()
    occurred_at = models.DateTimeField()
    actor_id = models.UUIDField(null=True, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    details = models.JSONField(default=dict)

    class Meta:
        managed = False
        db_table = "audit_log"
        ordering = ["-occurred_at", "-id"]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action} {self.object_type} {self.object_id}"
