"""Domain errors of the watchlists app, turned into messages at the edges."""

from core.versioning import VersionConflictError

ENTRY_CONFLICT_MESSAGE = "This watchlist entry was modified by another request"


class WatchlistError(Exception):
    """Base of the watchlist errors; the text is meant for the user."""


class RestoreConflictError(WatchlistError):
    """A restore would clash with an active row (a watchlist name or a plate on the list)."""


class WatchlistDeletedError(RestoreConflictError):
    """An entry cannot change while its watchlist is deleted."""


class HardDeleteError(WatchlistError):
    """Watchlists and entries are only ever soft-deleted."""


class EntryConflictError(WatchlistError, VersionConflictError):
    """The entry is no longer at the version the caller loaded; nothing was written."""

    message = ENTRY_CONFLICT_MESSAGE

    def __str__(self):
        return (
            f"{self.message}: the plate {self.current.plate_number} changed since you loaded it (version "
            f"{self.expected_version}, now {self.current.version}). Nothing was changed; look at it again."
        )


class EntryDeletedError(WatchlistError):
    """A deleted entry cannot be edited; it must be restored first."""


class DuplicatePlateError(WatchlistError):
    """The plate is already active on the watchlist."""


class WatchlistNameTakenError(WatchlistError):
    """An active watchlist already has this name (names are unique among active watchlists, any case)."""


class HotlistError(WatchlistError):
    """A hotlist that cannot be imported at all (not CSV, not UTF-8, too large, too many lines)."""


class HotlistChangedError(WatchlistError):
    """The watchlist changed between the preview and the apply, so the preview no longer holds."""

    def __init__(self, message: str, *, plan):
        """Keep the plan as it would be now, to show as a new preview."""
        super().__init__(message)
        self.plan = plan


class InvalidValueError(WatchlistError):
    """A name, description, plate or reason that cannot be stored (forms check it first, kindly)."""
