from django.db import models


class ReadOnlyModelError(TypeError):
    """Events are write-once: they are never saved or deleted from Python."""


class Event(models.Model):
    """A licence-plate detection (platform table `events`, partitioned by month, write-once)."""

    pk = models.CompositePrimaryKey("id", "captured_at")
    id = models.BigIntegerField()
    collector = models.ForeignKey(
        "collectors.Collector",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_column="collector_id",
        related_name="events",
    )
    plate_number = models.CharField(max_length=20)
    captured_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "events"
        # The search access log (audit_log rows of events.search) is read on /audit/ (group Auditors).
        permissions = [("view_access_log", "Can view the events search access log")]

    def __str__(self):
        return f"{self.plate_number} at {self.captured_at:%Y-%m-%d %H:%M:%S}"

    def save(self, *args, **kwargs):
        raise ReadOnlyModelError("events are write-once and cannot be saved from the dashboard")

    def delete(self, *args, **kwargs):
        raise ReadOnlyModelError("events are write-once and cannot be deleted")
