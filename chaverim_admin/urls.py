from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("core.urls")),
    path("admin/", admin.site.urls),
    path("", include("events.urls")),
    path("", include("partitions.urls")),
    path("", include("watchlists.urls")),
    path("", include("collectors.urls")),
    path("", include("alerts.urls")),
    path("", include("holds.urls")),
]

handler500 = "core.views.server_error"
