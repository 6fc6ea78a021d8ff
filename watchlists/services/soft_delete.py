"""Soft-delete and restore watchlists and their entries."""

import datetime as dt
from dataclasses import dataclass

from django.contrib.admin.models import CHANGE, DELETION
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.utils import timezone

from watchlists.errors import EntryConflictError, RestoreConflictError, WatchlistDeletedError
from watchlists.models import Watchlist, WatchlistEntry
from watchlists.services.locks import entry_lock, watchlist_lock
from watchlists.services.records import change_record


@dataclass(frozen=True)
class ChangeCounts:
    """How many watchlists and entries one service call changed."""

    watchlists: int = 0
    entries: int = 0


@transaction.atomic
def watchlist_soft_delete(*, watchlist_id, actor, now: dt.datetime | None = None) -> ChangeCounts:
    """Soft-delete a watchlist and its active entries, all with the same deleted_at."""
    now = now or timezone.now()
    watchlist = watchlist_lock(watchlist_id=watchlist_id)
    deleted = Watchlist.all_objects.filter(pk=watchlist.pk).soft_delete(actor, now=now)
    if not deleted:
        return ChangeCounts()
    # The shared deleted_at is what lets a restore bring back exactly these entries.
    entries = WatchlistEntry.all_objects.filter(watchlist_id=watchlist.pk).soft_delete(actor, now=now)
    change_record(
        actor=actor,
        obj=watchlist,
        flag=DELETION,
        action="watchlist.soft_delete",
        message=f"Soft-deleted with {entries} active entries; can be restored.",
        details={"name": watchlist.name, "entries": entries, "deleted_at": now.isoformat()},
    )
    return ChangeCounts(watchlists=deleted, entries=entries)


@transaction.atomic
def watchlist_restore(*, watchlist_id, actor, now: dt.datetime | None = None) -> ChangeCounts:
    """Restore a deleted watchlist with exactly the entries that were deleted with it."""
    watchlist = watchlist_lock(watchlist_id=watchlist_id)
    if not watchlist.is_deleted:
        return ChangeCounts()
    clash = Watchlist.objects.filter(Exact(Lower("name"), Lower(Value(watchlist.name)))).first()
    if clash is not None:
        raise RestoreConflictError(_name_conflict_message(watchlist.name, clash.name))
    deleted_at = watchlist.deleted_at
    try:
        # A savepoint, so that a clash committed after the check above still ends as a clear error.
        with transaction.atomic():
            restored = Watchlist.all_objects.filter(pk=watchlist.pk).restore(actor, now=now)
            entries = WatchlistEntry.all_objects.filter(
                watchlist_id=watchlist.pk, deleted_at=deleted_at
            ).restore(actor)
    except IntegrityError as exc:
        if _constraint_name(exc) == "ux_watchlist_entries_active_plate":
            raise RestoreConflictError(
                f"Cannot restore the watchlist “{watchlist.name}”: one of its plates is already active "
                "on it again. Delete that entry first."
            ) from exc
        raise RestoreConflictError(_name_conflict_message(watchlist.name, watchlist.name)) from exc
    change_record(
        actor=actor,
        obj=watchlist,
        flag=CHANGE,
        action="watchlist.restore",
        message=f"Restored with {entries} entries.",
        details={
            "name": watchlist.name,
            "entries": entries,
            "deleted_at": deleted_at.isoformat() if deleted_at else None,
        },
    )
    return ChangeCounts(watchlists=restored, entries=entries)


@transaction.atomic
def watchlist_entry_soft_delete(
    *,
    entry_id,
    actor,
    watchlist_id=None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Soft-delete one entry of an active watchlist; return 1, or 0 if it was already deleted.

    With `expected_version` (what the person deleting saw), an entry edited since is not deleted:
    EntryConflictError.
    """
    watchlist, entry = entry_lock(entry_id=entry_id, watchlist_id=watchlist_id)
    if watchlist.is_deleted:
        raise WatchlistDeletedError(
            f"The watchlist “{watchlist.name}” is deleted; restore it before changing its entries."
        )
    if expected_version is not None and not entry.is_deleted and entry.version != expected_version:
        raise EntryConflictError(current=entry, expected_version=expected_version)
    now = now or timezone.now()
    deleted = WatchlistEntry.all_objects.filter(pk=entry.pk).soft_delete(actor, now=now)
    if deleted:
        change_record(
            actor=actor,
            obj=entry,
            flag=DELETION,
            action="watchlist_entry.soft_delete",
            message="Soft-deleted; can be restored.",
            details={
                "watchlist_id": str(watchlist.pk),
                "plate_number": entry.plate_number,
                "deleted_at": now.isoformat(),
            },
        )
    return deleted


@transaction.atomic
def watchlist_entry_restore(*, entry_id, actor, watchlist_id=None) -> int:
    """Restore one deleted entry of an active watchlist; return 1, or 0 if it was not deleted."""
    watchlist, entry = entry_lock(entry_id=entry_id, watchlist_id=watchlist_id)
    if watchlist.is_deleted:
        raise WatchlistDeletedError(
            f"The watchlist “{watchlist.name}” is deleted; restore the watchlist first."
        )
    if not entry.is_deleted:
        return 0
    message = (
        f"Cannot restore the plate {entry.plate_number}: it is already active on "
        f"the watchlist “{watchlist.name}”."
    )
    active = WatchlistEntry.all_objects.filter(
        watchlist_id=watchlist.pk, plate_number=entry.plate_number, is_deleted=False
    )
    if active.exists():
        raise RestoreConflictError(message)
    try:
        with transaction.atomic():
            restored = WatchlistEntry.all_objects.filter(pk=entry.pk).restore(actor)
    except IntegrityError as exc:
        raise RestoreConflictError(message) from exc
    change_record(
        actor=actor,
        obj=entry,
        flag=CHANGE,
        action="watchlist_entry.restore",
        message="Restored.",
        details={"watchlist_id": str(watchlist.pk), "plate_number": entry.plate_number},
    )
    return restored


def _name_conflict_message(name: str, active_name: str) -> str:
    return (
        f"Cannot restore the watchlist “{name}”: an active watchlist named “{active_name}” already exists. "
        "Rename one of them first."
    )


def _constraint_name(exc: IntegrityError) -> str | None:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)
