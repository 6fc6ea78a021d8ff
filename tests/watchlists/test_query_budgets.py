"""Every page costs a fixed number of queries, whatever the number of watchlists or entries."""

import pytest
from django.urls import reverse

from tests.factories import WatchlistEntryFactory, WatchlistFactory
from watchlists import services
from watchlists.models import WatchlistEntry

pytestmark = pytest.mark.django_db

SIZES = [3, 30]

# session, user, user permissions, group permissions, count, page rows
LIST_QUERIES = 6
# session, user, user permissions, group permissions, watchlist, entry count, entry rows
DETAIL_QUERIES = 7
# session, user, user permissions, group permissions, filtered count, page rows
ADMIN_CHANGELIST_QUERIES = 6


def _watchlists(size, editor):
    """`size` watchlists with two entries each; every third one deleted, one entry deleted on its own."""
    watchlists = WatchlistFactory.create_batch(size)
    for index, watchlist in enumerate(watchlists):
        first, _ = WatchlistEntryFactory.create_batch(2, watchlist=watchlist)
        if index % 3 == 0:
            services.watchlist_entry_soft_delete(entry_id=first.pk, actor=editor)
        if index % 3 == 1:
            services.watchlist_soft_delete(watchlist_id=watchlist.pk, actor=editor)
    return watchlists


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("status", ["active", "deleted", "all"])
def test_list_page_query_budget(editor_client, editor, django_assert_num_queries, size, status):
    _watchlists(size, editor)
    with django_assert_num_queries(LIST_QUERIES):
        response = editor_client.get(reverse("watchlists:list"), {"status": status, "q": ""})
    assert response.status_code == 200


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("q", ["watchlist", "plate"])
def test_list_search_query_budget(editor_client, editor, django_assert_num_queries, size, q):
    watchlists = _watchlists(size, editor)
    if q == "plate":
        q = WatchlistEntry.objects.filter(watchlist=watchlists[-1]).first().plate_number.lower()
    with django_assert_num_queries(LIST_QUERIES):
        response = editor_client.get(reverse("watchlists:list"), {"status": "all", "q": q})
    assert len(response.context["table"].page.object_list) >= 1


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("status", ["active", "all"])
def test_detail_page_query_budget(editor_client, editor, django_assert_num_queries, size, status):
    watchlist = WatchlistFactory()
    entries = WatchlistEntryFactory.create_batch(size, watchlist=watchlist)
    services.watchlist_entry_soft_delete(entry_id=entries[0].pk, actor=editor)
    with django_assert_num_queries(DETAIL_QUERIES):
        response = editor_client.get(
            reverse("watchlists:detail", kwargs={"pk": watchlist.pk}), {"status": status}
        )
    assert len(response.context["table"].page.object_list) == (size if status == "all" else size - 1)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("status", [None, "deleted", "all"])
def test_admin_changelist_query_budget(editor_client, editor, django_assert_num_queries, size, status):
    _watchlists(size, editor)
    params = {"status": status} if status else {}
    with django_assert_num_queries(ADMIN_CHANGELIST_QUERIES):
        response = editor_client.get(reverse("admin:watchlists_watchlist_changelist"), params)
    assert response.status_code == 200


@pytest.mark.parametrize("size", SIZES)
def test_admin_entry_changelist_query_budget(editor_client, editor, django_assert_num_queries, size):
    _watchlists(size, editor)
    with django_assert_num_queries(ADMIN_CHANGELIST_QUERIES):
        response = editor_client.get(reverse("admin:watchlists_watchlistentry_changelist"), {"status": "all"})
    assert response.status_code == 200


# session, user, user permissions, group permissions, entry with its watchlist
ENTRY_EDIT_QUERIES = 5
# session, user, user permissions, group permissions, watchlist
IMPORT_PAGE_QUERIES = 5
# the import page's, then the watchlist's entries with the hotlist's plates
IMPORT_PREVIEW_QUERIES = IMPORT_PAGE_QUERIES + 1


@pytest.mark.parametrize("size", SIZES)
def test_entry_edit_page_query_budget(editor_client, django_assert_num_queries, size):
    watchlist = WatchlistFactory()
    entries = WatchlistEntryFactory.create_batch(size, watchlist=watchlist)
    url = reverse("watchlists:entry_edit", kwargs={"pk": watchlist.pk, "entry_id": entries[-1].pk})
    with django_assert_num_queries(ENTRY_EDIT_QUERIES):
        response = editor_client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("size", SIZES)
def test_import_page_query_budget(editor_client, django_assert_num_queries, size):
    watchlist = WatchlistFactory()
    WatchlistEntryFactory.create_batch(size, watchlist=watchlist)
    with django_assert_num_queries(IMPORT_PAGE_QUERIES):
        response = editor_client.get(reverse("watchlists:import", kwargs={"pk": watchlist.pk}))
    assert response.status_code == 200


@pytest.mark.parametrize("lines", [5, 2000])
def test_import_preview_query_budget(editor_client, editor, django_assert_num_queries, lines):
    watchlist = WatchlistFactory()
    entries = WatchlistEntryFactory.create_batch(30, watchlist=watchlist)
    services.watchlist_entry_soft_delete(entry_id=entries[0].pk, actor=editor)
    plates = [entry.plate_number for entry in entries] + [f"NEW{n:05d}" for n in range(lines)]
    url = reverse("watchlists:import", kwargs={"pk": watchlist.pk})
    with django_assert_num_queries(IMPORT_PREVIEW_QUERIES):
        response = editor_client.post(url, {"action": "preview", "text": "\n".join(plates)})
    assert response.context["plan"].summary()["added"] == lines
