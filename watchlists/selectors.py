"""Reads for the watchlist pages and the admin."""

from collections import defaultdict

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Upper

from core.plates import plate_normalize
from watchlists.hotlist import ExistingEntry, Hotlist, HotlistPlan, hotlist_plan
from watchlists.models import Watchlist, WatchlistEntry

STATUS_ACTIVE = "active"
STATUS_DELETED = "deleted"
STATUS_ALL = "all"
STATUS_CHOICES = [(STATUS_ACTIVE, "Active"), (STATUS_DELETED, "Deleted"), (STATUS_ALL, "All")]


def status_normalize(status: str | None) -> str:
    """Return a known status; anything else means active, so deleted rows never show by accident."""
    return status if status in (STATUS_ACTIVE, STATUS_DELETED, STATUS_ALL) else STATUS_ACTIVE


def watchlist_status_filter(queryset: QuerySet, status: str | None) -> QuerySet:
    """Keep the watchlists of the given status (active, deleted or all)."""
    status = status_normalize(status)
    if status == STATUS_ACTIVE:
        return queryset.filter(is_deleted=False)
    if status == STATUS_DELETED:
        return queryset.filter(is_deleted=True)
    return queryset


def watchlist_entry_status_filter(queryset: QuerySet, status: str | None) -> QuerySet:
    """Keep the entries of the given status, as the managers see them (active means the list is too)."""
    status = status_normalize(status)
    active = Q(is_deleted=False, watchlist__is_deleted=False)
    if status == STATUS_ACTIVE:
        return queryset.filter(active)
    if status == STATUS_DELETED:
        return queryset.exclude(active)
    return queryset


def _entry_count(condition: Q) -> Coalesce:
    """Count one watchlist's entries matching `condition`, as a correlated subquery (only paged rows pay)."""
    counts = (
        WatchlistEntry.all_objects.filter(condition, watchlist_id=OuterRef("pk"))
        .order_by()
        .values("watchlist_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def watchlist_with_counts(queryset: QuerySet) -> QuerySet:
    """Annotate watchlists with their active entries and the entries a restore would bring back."""
    return queryset.annotate(
        active_entries=_entry_count(Q(is_deleted=False)),
        # Entries that share the watchlist's deleted_at were deleted with it, and come back with it.
        restorable_entries=_entry_count(Q(is_deleted=True, deleted_at=OuterRef("deleted_at"))),
    )


def watchlist_list() -> QuerySet:
    """Every watchlist with its entry counts and who created and deleted it."""
    return watchlist_with_counts(Watchlist.all_objects.select_related("created_by", "deleted_by")).order_by(
        "name", "pk"
    )


def watchlist_search(queryset: QuerySet, q: str | None) -> QuerySet:
    """Keep watchlists whose name contains `q`, or that have an active entry with plate `q` (normalized)."""
    q = (q or "").strip()
    if not q:
        return queryset
    plate_match = WatchlistEntry.all_objects.annotate(plate_upper=Upper("plate_number")).filter(
        watchlist_id=OuterRef("pk"), is_deleted=False, plate_upper=plate_normalize(q)
    )
    return queryset.filter(Q(name__icontains=q) | Exists(plate_match))


def watchlist_get(*, watchlist_id) -> Watchlist:
    """Return one watchlist, deleted or not, with its people (raises Watchlist.DoesNotExist)."""
    return watchlist_list().get(pk=watchlist_id)


def watchlist_entry_list(*, watchlist: Watchlist) -> QuerySet:
    """Every entry of a watchlist, deleted or not, with who deleted it."""
    return (
        WatchlistEntry.all_objects.filter(watchlist=watchlist)
        .select_related("watchlist", "deleted_by")
        .order_by("plate_number", "pk")
    )


def watchlist_entry_get(*, watchlist_id, entry_id) -> WatchlistEntry:
    """Return one entry of a watchlist, deleted or not, with its watchlist (raises DoesNotExist)."""
    return WatchlistEntry.all_objects.select_related("watchlist").get(pk=entry_id, watchlist_id=watchlist_id)


def watchlist_names_by_plate(*, plates: set[str]) -> dict[str, list[str]]:
    """Return, for each plate on an active entry of an active watchlist, those watchlists' names."""
    if not plates:
        return {}
    # The base manager and explicit flags: visibility does not depend on how the default managers filter.
    rows = (
        WatchlistEntry._base_manager.filter(
            is_deleted=False, watchlist__is_deleted=False, plate_number__in=sorted(plates)
        )
        .values_list("plate_number", "watchlist__name")
        .order_by("plate_number", "watchlist__name")
        .distinct()
    )
    names = defaultdict(list)
    for plate, name in rows:
        names[plate].append(name)
    return dict(names)


def watchlist_entry_version_locked(*, entry_id) -> int | None:
    """Return the entry's version, its watchlist's row and its own locked until the transaction ends.

    None if there is no such entry. Locked in the order every writer uses (watchlist, then entry).
    """
    watchlist_id = (
        WatchlistEntry.all_objects.filter(pk=entry_id).values_list("watchlist_id", flat=True).first()
    )
    if watchlist_id is None:
        return None
    Watchlist.all_objects.select_for_update().filter(pk=watchlist_id).values_list("pk", flat=True).first()
    return (
        WatchlistEntry.all_objects.select_for_update()
        .filter(pk=entry_id)
        .values_list("version", flat=True)
        .first()
    )


def watchlist_hotlist_entries(*, watchlist_id, plates: list[str]) -> list[ExistingEntry]:
    """Return the watchlist's entries, active or deleted, with any of `plates` (one query)."""
    if not plates:
        return []
    rows = WatchlistEntry.all_objects.filter(watchlist_id=watchlist_id, plate_number__in=plates).values_list(
        "id", "plate_number", "is_deleted", "deleted_at"
    )
    return [
        ExistingEntry(id=entry_id, plate=plate, is_deleted=is_deleted, deleted_at=deleted_at)
        for entry_id, plate, is_deleted, deleted_at in rows.order_by()
    ]


def watchlist_hotlist_preview(*, watchlist_id, hotlist: Hotlist) -> HotlistPlan:
    """Plan importing `hotlist` into the watchlist as its entries are now (one query, whatever its size)."""
    return hotlist_plan(
        hotlist, existing=watchlist_hotlist_entries(watchlist_id=watchlist_id, plates=hotlist.plates)
    )


def watchlist_home_summary() -> dict:
    """Count the active and the deleted watchlists, for the home page (one query)."""
    return Watchlist.all_objects.aggregate(
        active=Count("pk", filter=Q(is_deleted=False)), deleted=Count("pk", filter=Q(is_deleted=True))
    )
