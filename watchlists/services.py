"""Writes: watchlists and their entries created, edited, imported, soft-deleted and restored."""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.db import IntegrityError, connection, transaction
from django.db.models import Value
from django.db.models.functions import Lower, Now
from django.db.models.lookups import Exact
from django.utils import timezone

from core.plates import PLATE_MAX_LENGTH, plate_is_valid, plate_normalize
from core.services import audit_log_write
from core.validators import has_control_characters, refuse_control_characters_but_line_breaks
from watchlists import selectors, sql
from watchlists.errors import (
    DuplicatePlateError,
    EntryConflictError,
    EntryDeletedError,
    HotlistChangedError,
    InvalidValueError,
    RestoreConflictError,
    WatchlistDeletedError,
    WatchlistNameTakenError,
)
from watchlists.hotlist import Hotlist, HotlistPlan
from watchlists.models import Watchlist, WatchlistEntry

NAME_MAX_LENGTH = Watchlist._meta.get_field("name").max_length
ENTRY_FIELD_LABELS = {"plate_number": "Plate", "reason": "Reason"}  # the fields an entry edit may change
HOTLIST_CHANGED_MESSAGE = (
    "The watchlist changed since the preview, so nothing was imported. Check the new preview below and "
    "apply it again."
)


@dataclass(frozen=True)
class ChangeCounts:
    """How many watchlists and entries one service call changed."""

    watchlists: int = 0
    entries: int = 0


def _record(*, actor: Any | None, obj, flag: int, action: str, message: str | list, details: dict) -> None:
    """Write the admin log entry and the audit_log row of one change."""
    if actor is not None and actor.pk is not None:
        LogEntry.objects.log_actions(actor.pk, [obj], flag, message, single_object=True)
    audit_log_write(
        actor_id=getattr(actor, "pk", None),
        action=action,
        object_type=obj._meta.label_lower,
        object_id=obj.pk,
        details=details,
    )


def _watchlist_lock(*, watchlist_id) -> Watchlist:
    """Return the watchlist, its row locked until the transaction ends (raises Watchlist.DoesNotExist)."""
    return Watchlist.all_objects.select_for_update().get(pk=watchlist_id)


def _entry_lock(*, entry_id, watchlist_id=None) -> tuple[Watchlist, WatchlistEntry]:
    """Lock the entry's watchlist, then the entry (the order every writer uses, so no deadlocks)."""
    entries = WatchlistEntry.all_objects.filter(pk=entry_id)
    if watchlist_id is not None:
        entries = entries.filter(watchlist_id=watchlist_id)
    parent_id = entries.values_list("watchlist_id", flat=True).first()
    if parent_id is None:
        raise WatchlistEntry.DoesNotExist(f"No watchlist entry {entry_id}")
    watchlist = _watchlist_lock(watchlist_id=parent_id)
    entry = WatchlistEntry.all_objects.select_for_update().get(pk=entry_id, watchlist_id=parent_id)
    return watchlist, entry


@transaction.atomic
def watchlist_soft_delete(*, watchlist_id, actor, now: dt.datetime | None = None) -> ChangeCounts:
    """Soft-delete a watchlist and its active entries, all with the same deleted_at."""
    now = now or timezone.now()
    watchlist = _watchlist_lock(watchlist_id=watchlist_id)
    deleted = Watchlist.all_objects.filter(pk=watchlist.pk).soft_delete(actor, now=now)
    if not deleted:
        return ChangeCounts()
    # The shared deleted_at is what lets a restore bring back exactly these entries.
    entries = WatchlistEntry.all_objects.filter(watchlist_id=watchlist.pk).soft_delete(actor, now=now)
    _record(
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
    watchlist = _watchlist_lock(watchlist_id=watchlist_id)
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
    _record(
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
    watchlist, entry = _entry_lock(entry_id=entry_id, watchlist_id=watchlist_id)
    if watchlist.is_deleted:
        raise WatchlistDeletedError(
            f"The watchlist “{watchlist.name}” is deleted; restore it before changing its entries."
        )
    if expected_version is not None and not entry.is_deleted and entry.version != expected_version:
        raise EntryConflictError(current=entry, expected_version=expected_version)
    now = now or timezone.now()
    deleted = WatchlistEntry.all_objects.filter(pk=entry.pk).soft_delete(actor, now=now)
    if deleted:
        _record(
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
    watchlist, entry = _entry_lock(entry_id=entry_id, watchlist_id=watchlist_id)
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
    _record(
        actor=actor,
        obj=entry,
        flag=CHANGE,
        action="watchlist_entry.restore",
        message="Restored.",
        details={"watchlist_id": str(watchlist.pk), "plate_number": entry.plate_number},
    )
    return restored


@transaction.atomic
def watchlist_create(*, name: str, description: str = "", actor) -> Watchlist:
    """Create an active watchlist; a name an active watchlist already has (in any case) is refused."""
    name, description = _name_checked(name), _text_checked(description, what="description")
    _name_free_check(name)
    try:
        with transaction.atomic():  # a savepoint: a clash committed after the check is still a clear error
            watchlist = Watchlist.objects.create(name=name, description=description, created_by=_user(actor))
    except IntegrityError as exc:
        raise WatchlistNameTakenError(_name_taken_message(name)) from exc
    _record(
        actor=actor,
        obj=watchlist,
        flag=ADDITION,
        action="watchlist.create",
        message=[{"added": {}}],
        details={"name": name, "description": description},
    )
    return watchlist


@transaction.atomic
def watchlist_update(*, watchlist_id, name: str, description: str, actor) -> Watchlist:
    """Rename an active watchlist or change its description; a deleted one must be restored first."""
    name, description = _name_checked(name), _text_checked(description, what="description")
    watchlist = _watchlist_lock(watchlist_id=watchlist_id)
    if watchlist.is_deleted:
        raise WatchlistDeletedError(
            f"The watchlist “{watchlist.name}” is deleted; restore it before editing it."
        )
    after = {"name": name, "description": description}
    changed = _before_after(watchlist, after)
    if not changed:
        return watchlist
    if "name" in changed:
        _name_free_check(name, other_than=watchlist.pk)
    try:
        with transaction.atomic():
            Watchlist.all_objects.filter(pk=watchlist.pk, is_deleted=False).update(**after, updated_at=Now())
    except IntegrityError as exc:
        raise WatchlistNameTakenError(_name_taken_message(name)) from exc
    _record(
        actor=actor,
        obj=watchlist,
        flag=CHANGE,
        action="watchlist.update",
        message=[{"changed": {"fields": [field.capitalize() for field in changed]}}],
        details={"changes": changed},
    )
    return Watchlist.all_objects.get(pk=watchlist.pk)


@dataclass(frozen=True)
class EntryAdded:
    """The entry a plate was added as, and whether that brought back a deleted entry of the same plate."""

    entry: WatchlistEntry
    restored: bool


@transaction.atomic
def watchlist_entry_create(*, watchlist_id, plate_number: str, reason: str = "", actor) -> EntryAdded:
    """Add a plate (normalized) to an active watchlist.

    A plate whose entry on this list was deleted brings that entry back (with the new reason, if one is
    given) rather than adding a second row: the list keeps one history per plate, as an import does.
    """
    plate, reason = _plate_checked(plate_number), _text_checked(reason, what="reason")
    watchlist = _watchlist_lock(watchlist_id=watchlist_id)
    if watchlist.is_deleted:
        raise WatchlistDeletedError(
            f"The watchlist “{watchlist.name}” is deleted; restore it before adding plates to it."
        )
    same_plate = WatchlistEntry.all_objects.filter(watchlist_id=watchlist.pk, plate_number=plate)
    if same_plate.filter(is_deleted=False).exists():
        raise DuplicatePlateError(_duplicate_plate_message(plate, watchlist.name))
    deleted = same_plate.filter(is_deleted=True).order_by("-deleted_at", "-pk").first()
    try:
        with transaction.atomic():
            if deleted is None:
                entry = WatchlistEntry.all_objects.create(
                    watchlist=watchlist, plate_number=plate, reason=reason, created_by=_user(actor)
                )
            else:
                # The restore and the new reason in one guarded UPDATE: one write, one version.
                back = {"is_deleted": False, "deleted_at": None, "deleted_by": None}
                WatchlistEntry.all_objects.filter(pk=deleted.pk, is_deleted=True).update(
                    **back, **({"reason": reason} if reason else {})
                )
    except IntegrityError as exc:
        raise DuplicatePlateError(_duplicate_plate_message(plate, watchlist.name)) from exc
    if deleted is None:
        _record(
            actor=actor,
            obj=entry,
            flag=ADDITION,
            action="watchlist_entry.create",
            message=[{"added": {}}],
            details={"watchlist_id": str(watchlist.pk), "plate_number": plate, "reason": reason},
        )
        return EntryAdded(entry=entry, restored=False)
    entry = WatchlistEntry.all_objects.get(pk=deleted.pk)
    _record(
        actor=actor,
        obj=entry,
        flag=CHANGE,
        action="watchlist_entry.restore",
        message="Restored by adding its plate again.",
        details={
            "watchlist_id": str(watchlist.pk),
            "plate_number": plate,
            "reason": {"before": deleted.reason, "after": entry.reason},
            "version": entry.version,
        },
    )
    return EntryAdded(entry=entry, restored=True)


@transaction.atomic
def watchlist_entry_update(
    *, entry_id, expected_version: int, changes: Mapping[str, Any], actor, watchlist_id=None
) -> WatchlistEntry:
    """Apply `changes` (plate_number, reason) if the entry is still at `expected_version`, bumping it.

    One conditional UPDATE (… WHERE version = expected_version); zero rows is an EntryConflictError
    carrying the entry as it is now, never a silent overwrite.
    """
    changes = _entry_changes_checked(changes)
    if not isinstance(expected_version, int) or isinstance(expected_version, bool):
        raise InvalidValueError("expected_version must be the integer version that was loaded")
    watchlist, entry = _entry_lock(entry_id=entry_id, watchlist_id=watchlist_id)
    if watchlist.is_deleted:
        raise WatchlistDeletedError(
            f"The watchlist “{watchlist.name}” is deleted; restore it before changing its entries."
        )
    if entry.is_deleted:
        raise EntryDeletedError(
            f"The plate {entry.plate_number} was deleted from “{watchlist.name}” meanwhile; restore it "
            "before editing it."
        )
    if not changes:
        # Nothing to write; a stale copy still conflicts, so that the editor sees what changed.
        if entry.version != expected_version:
            raise EntryConflictError(current=entry, expected_version=expected_version)
        return entry
    plate = changes.get("plate_number", entry.plate_number)
    clash = WatchlistEntry.all_objects.filter(watchlist_id=watchlist.pk, plate_number=plate, is_deleted=False)
    if plate != entry.plate_number and clash.exclude(pk=entry.pk).exists():
        raise DuplicatePlateError(_duplicate_plate_message(plate, watchlist.name))
    try:
        with transaction.atomic():
            updated = WatchlistEntry.all_objects.filter(
                pk=entry.pk, version=expected_version, is_deleted=False
            ).update(**changes)
    except IntegrityError as exc:
        raise DuplicatePlateError(_duplicate_plate_message(plate, watchlist.name)) from exc
    if not updated:
        raise EntryConflictError(current=entry, expected_version=expected_version)
    changed = _before_after(entry, changes)
    _record(
        actor=actor,
        obj=entry,
        flag=CHANGE,
        action="watchlist_entry.update",
        message=[{"changed": {"fields": [ENTRY_FIELD_LABELS[field] for field in changed]}}],
        details={
            "watchlist_id": str(watchlist.pk),
            "old_version": expected_version,
            "new_version": expected_version + 1,
            "changes": changed,
        },
    )
    return WatchlistEntry.all_objects.select_related("watchlist").get(pk=entry.pk)


@transaction.atomic
def watchlist_hotlist_import(
    *, watchlist_id, hotlist: Hotlist, actor, expected_digest: str | None = None, source: str = ""
) -> HotlistPlan:
    """Import a hotlist into an active watchlist in one transaction, with one audit row.

    New plates are added and deleted entries of the same plates restored; duplicates, plates already on
    the list and invalid lines are skipped. With `expected_digest` (the preview's), the writes must still
    be exactly those the preview showed, else HotlistChangedError carries the plan as it is now.
    """
    watchlist = _watchlist_lock(watchlist_id=watchlist_id)
    if watchlist.is_deleted:
        raise WatchlistDeletedError(
            f"The watchlist “{watchlist.name}” is deleted; restore it before importing plates into it."
        )
    plan = selectors.watchlist_hotlist_preview(watchlist_id=watchlist.pk, hotlist=hotlist)
    if expected_digest is not None and plan.digest != expected_digest:
        raise HotlistChangedError(HOTLIST_CHANGED_MESSAGE, plan=plan)
    try:
        with connection.cursor() as cursor:
            if plan.add:
                cursor.execute(
                    sql.HOTLIST_ENTRIES_INSERT,
                    {
                        "watchlist_id": watchlist.pk,
                        "actor_id": getattr(_user(actor), "pk", None),
                        "plates": [line.plate for line in plan.add],
                        "reasons": [line.reason for line in plan.add],
                    },
                )
            if plan.restore:
                cursor.execute(
                    sql.HOTLIST_ENTRIES_RESTORE,
                    {
                        "watchlist_id": watchlist.pk,
                        "entry_ids": [item.entry_id for item in plan.restore],
                        "reasons": [item.line.reason for item in plan.restore],
                    },
                )
                restored = cursor.rowcount
    except IntegrityError as exc:
        # Only a writer that skips the watchlist's lock (a plain save) can get here: refuse it all.
        raise HotlistChangedError(HOTLIST_CHANGED_MESSAGE, plan=plan) from exc
    if plan.restore and restored != len(plan.restore):
        raise HotlistChangedError(HOTLIST_CHANGED_MESSAGE, plan=plan)
    summary = plan.summary()
    _record(
        actor=actor,
        obj=watchlist,
        flag=CHANGE,
        action="watchlist.import",
        message=f"Imported a hotlist: {summary['added']} added, {summary['restored']} restored.",
        details={"source": source, **summary, "digest": plan.digest},
    )
    return plan


def _before_after(row, values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Return, for each value that differs from the row's, what it was and what it becomes."""
    return {
        field: {"before": getattr(row, field), "after": value}
        for field, value in values.items()
        if getattr(row, field) != value
    }


def _user(actor):
    """The actor as a created_by value: None for a system write (no saved user)."""
    return actor if getattr(actor, "pk", None) is not None else None


def _name_checked(name: Any) -> str:
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > NAME_MAX_LENGTH:
        raise InvalidValueError(f"A watchlist name has 1 to {NAME_MAX_LENGTH} characters.")
    if has_control_characters(name):
        raise InvalidValueError("A watchlist name cannot hold control characters.")
    return name.strip()


def _text_checked(text: Any, *, what: str) -> str:
    if not isinstance(text, str) or refuse_control_characters_but_line_breaks.regex.search(text):
        raise InvalidValueError(f"The {what} must be text without control characters.")
    return text.strip()


def _plate_checked(raw: Any) -> str:
    plate = plate_normalize(raw) if isinstance(raw, str) else ""
    if not plate_is_valid(plate):
        raise InvalidValueError(
            f"A plate has 1 to {PLATE_MAX_LENGTH} letters and digits (spaces and dashes are dropped)."
        )
    return plate


def _entry_changes_checked(changes: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(changes) - set(ENTRY_FIELD_LABELS))
    if unknown:
        raise InvalidValueError(f"these entry fields cannot be changed: {', '.join(unknown)}")
    checked = {}
    if "plate_number" in changes:
        checked["plate_number"] = _plate_checked(changes["plate_number"])
    if "reason" in changes:
        checked["reason"] = _text_checked(changes["reason"], what="reason")
    return checked


def _name_free_check(name: str, *, other_than=None) -> None:
    clash = Watchlist.objects.filter(Exact(Lower("name"), Lower(Value(name)))).exclude(pk=other_than).first()
    if clash is not None:
        raise WatchlistNameTakenError(_name_taken_message(clash.name))


def _name_taken_message(name: str) -> str:
    return f"An active watchlist named “{name}” already exists: choose another name."


def _duplicate_plate_message(plate: str, watchlist_name: str) -> str:
    return f"The plate {plate} is already on the watchlist “{watchlist_name}”."


def _name_conflict_message(name: str, active_name: str) -> str:
    return (
        f"Cannot restore the watchlist “{name}”: an active watchlist named “{active_name}” already exists. "
        "Rename one of them first."
    )


def _constraint_name(exc: IntegrityError) -> str | None:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)
