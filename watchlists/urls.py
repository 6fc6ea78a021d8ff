from django.urls import path

from watchlists import views

app_name = "watchlists"

urlpatterns = [
    path("watchlists/", views.watchlist_list, name="list"),
    path("watchlists/<uuid:pk>/", views.watchlist_detail, name="detail"),
    path("watchlists/<uuid:pk>/delete/", views.watchlist_delete, name="delete"),
    path("watchlists/<uuid:pk>/restore/", views.watchlist_restore, name="restore"),
    path(
        "watchlists/<uuid:pk>/entries/<uuid:entry_id>/delete/",
        views.watchlist_entry_delete,
        name="entry_delete",
    ),
    path(
        "watchlists/<uuid:pk>/entries/<uuid:entry_id>/restore/",
        views.watchlist_entry_restore,
        name="entry_restore",
    ),
]
