import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower, Now
from django.utils import timezone

from core.plates import plate_normalize, validate_plate
from core.validators import refuse_control_characters, refuse_control_characters_but_line_breaks
from core.versioning import VersionedQuerySetMixin
from watchlists.errors import EntryConflictError, HardDeleteError

# Only the guarded UPDATEs of SoftDeleteQuerySet move these columns; a plain save() leaves them alone.
SOFT_DELETE_FIELDS = frozenset({"is_deleted", "deleted_at", "deleted_by"})
NEVER_SAVED_FIELDS = SOFT_DELETE_FIELDS | {"created_at"}


def _user_reference(column: str) -> models.ForeignKey:
    """A platform column holding a dashboard user's id (no database constraint: the platform owns it)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_column=column,
        null=True,
        blank=True,
        related_name="+",
    )


class SoftDeleteQuerySet(models.QuerySet):
    """Rows that are soft-deleted and restored in bulk, one guarded UPDATE each way."""

    touch_field = None  # a timestamp column moved by every change, when the table has one

    def soft_delete(self, actor, *, now=None) -> int:
        """Mark the active rows of this queryset deleted by `actor`; return how many changed."""
        now = now or timezone.now()
        changes = {"is_deleted": True, "deleted_at": now, "deleted_by": actor}
        if self.touch_field:
            changes[self.touch_field] = now
        return self.filter(is_deleted=False).update(**changes)

    def restore(self, actor, *, now=None) -> int:
        """Clear the deletion of the deleted rows of this queryset; return how many changed."""
        changes = {"is_deleted": False, "deleted_at": None, "deleted_by": None}
        if self.touch_field:
            changes[self.touch_field] = now or timezone.now()
        return self.filter(is_deleted=True).update(**changes)

    def delete(self):
        raise HardDeleteError("Rows of this table are only soft-deleted: use soft_delete().")

    soft_delete.alters_data = True
    restore.alters_data = True
    delete.alters_data = True
    delete.queryset_only = True


class WatchlistQuerySet(SoftDeleteQuerySet):
    touch_field = "updated_at"


class WatchlistEntryQuerySet(VersionedQuerySetMixin, SoftDeleteQuerySet):
    """Entries: every UPDATE, soft delete and restore included, bumps each row's version."""

    version_field = "version"
    write_service = "watchlists.services.watchlist_entry_update"


class WatchlistAllManager(models.Manager.from_queryset(WatchlistQuerySet)):
    """Every watchlist, deleted or not: the base manager, so related lookups always find their row."""

    use_in_migrations = True


class WatchlistEntryAllManager(models.Manager.from_queryset(WatchlistEntryQuerySet)):
    """Every entry, deleted or not: the base manager."""

    use_in_migrations = True


class ActiveWatchlistManager(models.Manager.from_queryset(WatchlistQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(is_deleted=False)


class DeletedWatchlistManager(models.Manager.from_queryset(WatchlistQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(is_deleted=True)


class ActiveWatchlistEntryManager(models.Manager.from_queryset(WatchlistEntryQuerySet)):
    """Entries that are active themselves and on an active watchlist."""

    def get_queryset(self):
        return super().get_queryset().filter(is_deleted=False, watchlist__is_deleted=False)


class DeletedWatchlistEntryManager(models.Manager.from_queryset(WatchlistEntryQuerySet)):
    """Entries that are deleted themselves or whose watchlist is deleted."""

    def get_queryset(self):
        return super().get_queryset().filter(Q(is_deleted=True) | Q(watchlist__is_deleted=True))


class SoftDeleteModel(models.Model):
    """Save without ever touching the soft-delete columns; refuse hard deletes."""

    is_deleted = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = _user_reference("deleted_by")

    touch_field = None  # a timestamp column every save moves, when the table has one
    constraint_fields = ()  # fields a partial unique index needs even when a form leaves them out
    version_field = None  # an optimistic-lock version column, when the table has one
    conflict_error = None  # what a save of a stale copy raises, when the table has a version

    class Meta:
        abstract = True

    def save(self, *, force_insert=False, force_update=False, using=None, update_fields=None):
        if not self._state.adding and not force_insert:
            # A stale instance saved after a soft delete (or restore) must not flip the row back.
            if update_fields is None:
                deferred = self.get_deferred_fields()
                update_fields = [
                    field.name
                    for field in self._meta.concrete_fields
                    if not field.primary_key and field.attname not in deferred
                ]
            update_fields = [name for name in update_fields if name not in NEVER_SAVED_FIELDS]
            if self.touch_field:
                setattr(self, self.touch_field, timezone.now())
                update_fields = [*{*update_fields, self.touch_field}]
            if not update_fields:
                return
            if self.version_field:
                self._save_versioned(update_fields, using=using)
                return
        super().save(
            force_insert=force_insert, force_update=force_update, using=using, update_fields=update_fields
        )

    save.alters_data = True

    def _save_versioned(self, update_fields, *, using=None) -> None:
        """Write the fields only if the row is still at this copy's version, bumping it; else raise."""
        loaded = getattr(self, self.version_field)
        changes = {
            self._meta.get_field(name).attname: getattr(self, self._meta.get_field(name).attname)
            for name in update_fields
            if name != self.version_field
        }
        rows = type(self)._base_manager.using(using or self._state.db).filter(pk=self.pk)
        if not rows.filter(**{self.version_field: loaded}).update(**changes):
            current = rows.first()
            if current is None:
                raise self.DoesNotExist(f"No {self._meta.verbose_name} {self.pk}")
            raise self.conflict_error(current=current, expected_version=loaded)
        setattr(self, self.version_field, loaded + 1)

    def validate_constraints(self, exclude=None):
        # Forms exclude the soft-delete columns (and an inline's parent), yet the partial unique indexes
        # depend on them: check them anyway, so that a clash is a form error rather than an IntegrityError.
        exclude = set(exclude or ()) - SOFT_DELETE_FIELDS - set(self.constraint_fields)
        super().validate_constraints(exclude=exclude)

    def delete(self, using=None, keep_parents=False):
        raise HardDeleteError("Rows of this table are only soft-deleted: use the watchlist services.")

    delete.alters_data = True


class Watchlist(SoftDeleteModel):
    """A named list of plates to watch for (platform table `watchlists`, soft-deleted)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100, validators=[refuse_control_characters])
    description = models.TextField(
        blank=True, default="", validators=[refuse_control_characters_but_line_breaks]
    )
    created_by = _user_reference("created_by")
    created_at = models.DateTimeField(db_default=Now())
    updated_at = models.DateTimeField(db_default=Now())

    objects = ActiveWatchlistManager()
    all_objects = WatchlistAllManager()
    deleted_objects = DeletedWatchlistManager()

    touch_field = "updated_at"
    constraint_fields = ()

    class Meta:
        managed = False
        db_table = "watchlists"
        ordering = ["name"]
        permissions = [("restore_watchlist", "Can restore a deleted watchlist")]
        base_manager_name = "all_objects"
        constraints = [
            # Mirrors the platform's partial unique index, so that forms report a clash instead of failing.
            models.UniqueConstraint(
                Lower("name"),
                condition=Q(is_deleted=False),
                name="ux_watchlists_active_name",
                violation_error_message="An active watchlist with this name already exists.",
            ),
        ]

    def __str__(self):
        return self.name


class WatchlistEntry(SoftDeleteModel):
    """A plate on a watchlist (platform table `watchlist_entries`, soft-deleted)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    watchlist = models.ForeignKey(
        Watchlist, on_delete=models.DO_NOTHING, db_constraint=False, related_name="entries"
    )
    # Stored normalized (core.plates), as the events search looks plates up: clean() and save() normalize.
    plate_number = models.CharField(max_length=20, validators=[validate_plate])
    reason = models.TextField(blank=True, default="", validators=[refuse_control_characters_but_line_breaks])
    created_by = _user_reference("created_by")
    created_at = models.DateTimeField(db_default=Now())
    # Optimistic lock, as collectors' config_version: 1 on insert, +1 on every write (save() checks it).
    version = models.IntegerField(default=1, editable=False)

    objects = ActiveWatchlistEntryManager()
    all_objects = WatchlistEntryAllManager()
    deleted_objects = DeletedWatchlistEntryManager()

    touch_field = None
    constraint_fields = ("watchlist",)
    version_field = "version"
    conflict_error = EntryConflictError

    class Meta:
        managed = False
        db_table = "watchlist_entries"
        ordering = ["plate_number"]
        verbose_name_plural = "watchlist entries"
        base_manager_name = "all_objects"
        constraints = [
            models.UniqueConstraint(
                fields=["watchlist", "plate_number"],
                condition=Q(is_deleted=False),
                name="ux_watchlist_entries_active_plate",
                violation_error_message="This plate is already on the watchlist.",
            ),
        ]

    def __str__(self):
        return self.plate_number

    def save(self, *args, **kwargs):
        self.plate_number = plate_normalize(self.plate_number or "")
        super().save(*args, **kwargs)

    save.alters_data = True

    def clean(self):
        # Before the unique check of full_clean(), so that `demo-1342` clashes with `DEMO1342`.
        super().clean()
        self.plate_number = plate_normalize(self.plate_number or "")
