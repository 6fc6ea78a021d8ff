from django.urls import path

from partitions import views

app_name = "partitions"

urlpatterns = [
    path("events/", views.event_search, name="events"),
]
