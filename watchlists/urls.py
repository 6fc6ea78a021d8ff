from django.urls import path

from watchlists.views import edit, hotlist_import, lists, soft_delete

app_name = "watchlists"

urlpatterns = [
    path("watchlists/", lists.watchlist_list_page, name="list"),
    path("watchlists/new/", edit.watchlist_create_page, name="create"),
    path("watchlists/<uuid:pk>/", lists.watchlist_detail_page, name="detail"),
    path("watchlists/<uuid:pk>/edit/", edit.watchlist_edit_page, name="edit"),
    path("watchlists/<uuid:pk>/import/", hotlist_import.watchlist_import_page, name="import"),
    path("watchlists/<uuid:pk>/entries/new/", edit.watchlist_entry_add_page, name="entry_add"),
    path(
        "watchlists/<uuid:pk>/entries/<uuid:entry_id>/edit/",
        edit.watchlist_entry_edit_page,
        name="entry_edit",
    ),
    path("watchlists/<uuid:pk>/delete/", soft_delete.watchlist_delete_page, name="delete"),
    path("watchlists/<uuid:pk>/restore/", soft_delete.watchlist_restore_page, name="restore"),
    path(
        "watchlists/<uuid:pk>/entries/<uuid:entry_id>/delete/",
        soft_delete.watchlist_entry_delete_page,
        name="entry_delete",
    ),
    path(
        "watchlists/<uuid:pk>/entries/<uuid:entry_id>/restore/",
        soft_delete.watchlist_entry_restore_page,
        name="entry_restore",
    ),
]
