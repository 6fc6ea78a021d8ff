"""Writes: watchlists and their entries created, edited, imported, soft-deleted and restored."""

from watchlists.services.edit import (
    ENTRY_FIELD_LABELS,
    EntryAdded,
    watchlist_create,
    watchlist_entry_create,
    watchlist_entry_update,
    watchlist_update,
)
from watchlists.services.hotlist_import import watchlist_hotlist_import
from watchlists.services.soft_delete import (
    ChangeCounts,
    watchlist_entry_restore,
    watchlist_entry_soft_delete,
    watchlist_restore,
    watchlist_soft_delete,
)

__all__ = [
    "ENTRY_FIELD_LABELS",
    "ChangeCounts",
    "EntryAdded",
    "watchlist_create",
    "watchlist_entry_create",
    "watchlist_entry_restore",
    "watchlist_entry_soft_delete",
    "watchlist_entry_update",
    "watchlist_hotlist_import",
    "watchlist_restore",
    "watchlist_soft_delete",
    "watchlist_update",
]
