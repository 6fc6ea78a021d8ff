"""Domain errors of the watchlists app, turned into messages at the edges."""


class WatchlistError(Exception):
    """Base of the watchlist errors; the text is meant for the user."""


class RestoreConflictError(WatchlistError):
    """A restore would clash with an active row (a watchlist name or a plate on the list)."""


class WatchlistDeletedError(RestoreConflictError):
    """An entry cannot change while its watchlist is deleted."""


class HardDeleteError(WatchlistError):
    """Watchlists and entries are only ever soft-deleted."""
