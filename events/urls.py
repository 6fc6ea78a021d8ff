from django.urls import path

from events import views

app_name = "events"

urlpatterns = [
    path("events/", views.event_search_page, name="search"),
    path("audit/", views.access_log_page, name="access_log"),
    path("audit/export.csv", views.access_log_export, name="access_log_export"),
]
