"""The project's URLs, with the pages that read from the replica wired to it (a no-op once they are)."""

from django.urls import include, path

from core.replica import replica_reads
from events import views as event_views
from partitions import views as partition_views

urlpatterns = [
    path("events/", replica_reads(event_views.event_search_page)),
    path("audit/", replica_reads(event_views.access_log_page)),
    path("partitions/", replica_reads(partition_views.partition_status)),
    path("partitions/status.json", replica_reads(partition_views.partition_status_json, notice=False)),
    path("", include("chaverim_admin.urls")),
]
