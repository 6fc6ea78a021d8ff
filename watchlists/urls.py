from django.urls import path

from watchlists import views

app_name = "watchlists"

urlpatterns = [
    path("watchlists/", views.watchlist_list_page, name="list"),
    path("watchlists/new/", views.watchlist_create_page, name="create"),
    path("watchlists/<uuid:pk>/", views.watchlist_detail_page, name="detail"),
    path("watchlists/<uuid:pk>/edit/", views.watchlist_edit_page, name="edit"),
    path("watchlists/<uuid:pk>/import/", views.watchlist_import_page, name="import"),
    path("watchlists/<uuid:pk>/entries/new/", views.watchlist_entry_add_page, name="entry_add"),
    path(
        "watchlists/<uuid:pk>/entries/<uuid:entry_id>/edit/",
        views.watchlist_entry_edit_page,
        name="entry_edit",
    ),
    path("watchlists/<uuid:pk>/delete/", views.watchlist_delete_page, name="delete"),
    path("watchlists/<uuid:pk>/restore/", views.watchlist_restore_page, name="restore"),
    path(
        "watchlists/<uuid:pk>/entries/<uuid:entry_id>/delete/",
        views.watchlist_entry_delete_page,
        name="entry_delete",
    ),
    path(
        "watchlists/<uuid:pk>/entries/<uuid:entry_id>/restore/",
        views.watchlist_entry_restore_page,
        name="entry_restore",
    ),
]
