"""Create and edit watchlists and their entries."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Lower, Now
from django.db.models.lookups import Exact

from core.plates import PLATE_MAX_LENGTH, plate_is_valid, plate_normalize
from core.validators import has_control_characters, refuse_control_characters_but_line_breaks
from watchlists.errors import (
    DuplicatePlateError,
    EntryConflictError,
    EntryDeletedError,
    InvalidValueError,
    WatchlistDeletedError,
    WatchlistNameTakenError,
)
from watchlists.models import Watchlist, WatchlistEntry
from watchlists.services.locks import entry_lock, watchlist_lock
from watchlists.services.records import actor_user, change_record

NAME_MAX_LENGTH = Watchlist._meta.get_field("name").max_length
ENTRY_FIELD_LABELS = {"plate_number": "Plate", "reason": "Reason"}  # the fields an entry edit may change


@transaction.atomic
def watchlist_create(*, name: str, description: str = "", actor) -> Watchlist:
    """Create an active watchlist; a name an active watchlist already has (in any case) is refused."""
    name, description = _name_checked(name), _text_checked(description, what="description")
    _name_free_check(name)
    try:
        with transaction.atomic():  # a savepoint: a clash committed after the check is still a clear error
            watchlist = Watchlist.objects.create(
                name=name, description=description, created_by=actor_user(actor)
            )
    except IntegrityError as exc:
        raise WatchlistNameTakenError(_name_taken_message(name)) from exc
    change_record(
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
    watchlist = watchlist_lock(watchlist_id=watchlist_id)
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
    change_record(
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
    watchlist = watchlist_lock(watchlist_id=watchlist_id)
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
                    watchlist=watchlist, plate_number=plate, reason=reason, created_by=actor_user(actor)
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
        change_record(
            actor=actor,
            obj=entry,
            flag=ADDITION,
            action="watchlist_entry.create",
            message=[{"added": {}}],
            details={"watchlist_id": str(watchlist.pk), "plate_number": plate, "reason": reason},
        )
        return EntryAdded(entry=entry, restored=False)
    entry = WatchlistEntry.all_objects.get(pk=deleted.pk)
    change_record(
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
    watchlist, entry = entry_lock(entry_id=entry_id, watchlist_id=watchlist_id)
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
    change_record(
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


def _before_after(row, values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Return, for each value that differs from the row's, what it was and what it becomes."""
    return {
        field: {"before": getattr(row, field), "after": value}
        for field, value in values.items()
        if getattr(row, field) != value
    }


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
