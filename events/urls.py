from django.urls import path

from events import views

app_name = "events"

urlpatterns = [
    path("events/", views.event_search_page, name="search"),
]
