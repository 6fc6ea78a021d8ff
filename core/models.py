import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


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
    # Set by the database's chain trigger on INSERT, whatever the writer sends (core/migrations/0002).
    chain_position = models.BigIntegerField(editable=False)
    prev_hash = models.BinaryField()
    row_hash = models.BinaryField()

    class Meta:
        managed = False
        db_table = "audit_log"
        ordering = ["-occurred_at", "-id"]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action} {self.object_type} {self.object_id}"


class AuditVerification(models.Model):
    """One check of the audit log's hash chain: whether it held, its head, and the first problem found."""

    class Trigger(models.TextChoices):
        BEAT = "beat", "Beat schedule"
        CLI = "cli", "Command line"

    checked_at = models.DateTimeField(default=timezone.now, db_index=True)
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    ok = models.BooleanField()
    rows = models.BigIntegerField(help_text="Rows whose hash and link were checked.")
    start_position = models.BigIntegerField(
        help_text="The position the walk started after: 0, the latest anchor, or --since - 1."
    )
    since = models.BigIntegerField(null=True, blank=True)
    head_position = models.BigIntegerField(null=True, blank=True)
    head_hash = models.CharField(max_length=64, blank=True)
    problem_position = models.BigIntegerField(null=True, blank=True)
    problem = models.TextField(blank=True)
    seconds = models.FloatField()

    class Meta:
        ordering = ["-checked_at", "-id"]

    def __str__(self):
        outcome = "ok" if self.ok else "broken"
        return f"Audit chain check {self.pk} ({outcome}, {self.rows} rows)"
