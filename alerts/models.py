from django.db import models


class Alert(models.Model):
    """A watchlist hit waiting to be dispatched (platform table `alert_queue`, partitioned by day).

    Processed entries are ephemeral: the partition engine drops their days past retention.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        FAILED = "failed", "Failed"

    pk = models.CompositePrimaryKey("id", "created_at")
    id = models.BigIntegerField()
    event_id = models.BigIntegerField()
    event_captured_at = models.DateTimeField()
    watchlist = models.ForeignKey(
        "watchlists.Watchlist", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    entry = models.ForeignKey(
        "watchlists.WatchlistEntry", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    plate_number = models.CharField(max_length=20)
    collector = models.ForeignKey(
        "collectors.Collector",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_column="collector_id",
        related_name="+",
    )
    created_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        managed = False
        db_table = "alert_queue"
        default_permissions = ("view",)
        permissions = [("acknowledge_alert", "Can acknowledge an alert")]

    def __str__(self):
        return f"{self.plate_number} hit at {self.created_at:%Y-%m-%d %H:%M:%S} ({self.status})"
