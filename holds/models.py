from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q


class Hold(models.Model):
    """A legal hold: the detections of a plate and/or a collector in [starts_at, ends_at) outlive retention.

    Never deleted; released with a reason (by a second user under LEGAL_HOLD_TWO_PERSON_RELEASE).
    """

    case_number = models.CharField(max_length=64)
    reason = models.TextField(max_length=2000)
    plate_number = models.CharField(max_length=20, blank=True)  # normalized (core/plates.py); "" for any
    collector = models.ForeignKey(
        "collectors.Collector",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_column="collector_id",
        null=True,
        blank=True,
        related_name="+",
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField()
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.TextField(max_length=2000, blank=True)

    class Meta:
        db_table = "legal_holds"
        ordering = ["-placed_at", "-id"]
        default_permissions = ("add", "view")
        permissions = [("release_hold", "Can release a legal hold")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(plate_number="") | Q(collector__isnull=False), name="legal_hold_has_scope"
            ),
            models.CheckConstraint(condition=Q(starts_at__lt=models.F("ends_at")), name="legal_hold_window"),
            models.CheckConstraint(
                condition=(Q(released_at__isnull=True) & Q(released_by__isnull=True))
                | (Q(released_at__isnull=False) & Q(released_by__isnull=False)),
                name="legal_hold_release_complete",
            ),
        ]
        indexes = [models.Index(fields=["plate_number"], name="ix_legal_holds_plate")]

    def __str__(self):
        return f"hold {self.pk} (case {self.case_number})"

    @property
    def active(self) -> bool:
        return self.released_at is None


class HeldEvent(models.Model):
    """A detection kept past retention by one or more holds (table `events_held`, write-once like events)."""

    pk = models.CompositePrimaryKey("id", "captured_at")
    id = models.BigIntegerField()
    collector = models.ForeignKey(
        "collectors.Collector",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_column="collector_id",
        related_name="+",
    )
    plate_number = models.CharField(max_length=20)
    captured_at = models.DateTimeField()
    hold_ids = ArrayField(models.BigIntegerField())  # the holds keeping the row
    kept_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "events_held"

    def __str__(self):
        return f"{self.plate_number} at {self.captured_at:%Y-%m-%d %H:%M:%S} (held)"
