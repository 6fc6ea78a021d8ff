"""Lock watchlist and entry rows, always in the same order, for the services that change them."""

from watchlists.models import Watchlist, WatchlistEntry


def watchlist_lock(*, watchlist_id) -> Watchlist:
    """Return the watchlist, its row locked until the transaction ends (raises Watchlist.DoesNotExist)."""
    return Watchlist.all_objects.select_for_update().get(pk=watchlist_id)


def entry_lock(*, entry_id, watchlist_id=None) -> tuple[Watchlist, WatchlistEntry]:
    """Lock the entry's watchlist, then the entry (the order every writer uses, so no deadlocks)."""
    entries = WatchlistEntry.all_objects.filter(pk=entry_id)
    if watchlist_id is not None:
        entries = entries.filter(watchlist_id=watchlist_id)
    parent_id = entries.values_list("watchlist_id", flat=True).first()
    if parent_id is None:
        raise WatchlistEntry.DoesNotExist(f"No watchlist entry {entry_id}")
    watchlist = watchlist_lock(watchlist_id=parent_id)
    entry = WatchlistEntry.all_objects.select_for_update().get(pk=entry_id, watchlist_id=parent_id)
    return watchlist, entry
