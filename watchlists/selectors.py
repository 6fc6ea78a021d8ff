"""Reads for the watchlist pages and the admin."""

from collections import defaultdict

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Upper

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
    """Keep watchlists whose name contains `q`, or that have an active entry with plate `q` (any case)."""
    q = (q or "").strip()
    if not q:
        return queryset
    plate_match = WatchlistEntry.all_objects.annotate(plate_upper=Upper("plate_number")).filter(
        watchlist_id=OuterRef("pk"), is_deleted=False, plate_upper=q.upper()
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
