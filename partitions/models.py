from django.conf import settings
from django.db import models
from django.utils import timezone


class MaintenanceRun(models.Model):
    """One run of partition maintenance: who started it, what it planned, and what each action did."""

    class Trigger(models.TextChoices):
        BEAT = "beat", "Beat schedule"
        MANUAL = "manual", "Run now (web)"
        CLI = "cli", "Command line"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCESS = "success", "Success"
        PARTIAL = "partial", "Partial"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"
        # Its process died mid-run (kill -9, a lost host): the next run records it so (DESIGN.md rule 6).
        ABANDONED = "abandoned", "Abandoned"

    # Always read from the primary (core/replica.py): whether a running run is alive is told by its lock,
    # which only the primary's pg_locks shows; a replica's older record would make it look abandoned.
    read_from_primary = True

    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    table = models.CharField(max_length=63, blank=True, help_text="Empty when the run covered every table.")
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Moved on as the run records each action: when the run was last seen alive.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING, db_index=True)
    plan = models.JSONField(default=list, blank=True)
    actions = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    # While a large DEFAULT drain runs (partitions/drain.py): rows moved of total, rate, ETA, updated after
    # each batch so that the run page can show it.
    progress = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        permissions = [
            ("view_partitions", "Can view partition status"),
            ("run_maintenance", "Can run partition maintenance now"),
        ]

    def __str__(self):
        return f"Maintenance run {self.pk} ({self.get_status_display()})"

    @property
    def last_seen_at(self):
        """Return when the run last recorded progress (its start, before its first action)."""
        return self.heartbeat_at or self.started_at

    @property
    def duration(self):
        if self.finished_at is None:
            return None
        return self.finished_at - self.started_at
