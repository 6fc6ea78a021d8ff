"""Reads of collectors for pages and forms."""

from uuid import UUID

from django.db import connection
from django.db.models import QuerySet

from collectors import sql
from collectors.models import Collector


def collector_list(*, search: str = "") -> QuerySet[Collector]:
    """Return collectors whose site name contains `search` (all when empty), by site name."""
    collectors = Collector.objects.all()
    if search:
        collectors = collectors.filter(site_name__icontains=search)
    return collectors.order_by("site_name", "id")


def collector_get(*, collector_id: UUID) -> Collector:
    """Return one collector or raise Collector.DoesNotExist."""
    return Collector.objects.get(pk=collector_id)


def collector_version_locked(*, collector_id: UUID) -> int | None:
    """Return the collector's current version and lock its row until the transaction ends (None if gone)."""
    with connection.cursor() as cursor:
        cursor.execute(sql.COLLECTOR_VERSION_FOR_UPDATE, [collector_id])
        row = cursor.fetchone()
    return row[0] if row else None


def collector_label_queryset() -> QuerySet[Collector]:
    """Return collectors with only what a label needs (id and site name), ordered by site name."""
    return Collector.objects.only("id", "site_name").order_by("site_name", "id")


RECENTLY_UPDATED = 5


def collector_home_summary() -> dict:
    """Return the collectors edited last, newest first, for the home page."""
    return {"recent": list(Collector.objects.order_by("-updated_at", "site_name")[:RECENTLY_UPDATED])}
