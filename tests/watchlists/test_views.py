import uuid

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from tests.factories import WatchlistEntryFactory, WatchlistFactory
from watchlists import services
from watchlists.models import Watchlist, WatchlistEntry

pytestmark = pytest.mark.django_db

LIST = reverse("watchlists:list")


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def _records(response):
    return [row.record for row in response.context["table"].page.object_list]


def _names(response):
    return [record.name for record in _records(response)]


@pytest.fixture
def lists(editor):
    active = WatchlistFactory(name="Alpha")
    WatchlistEntryFactory.create_batch(2, watchlist=active)
    deleted = WatchlistFactory(name="Bravo")
    WatchlistEntryFactory(watchlist=deleted)
    services.watchlist_soft_delete(watchlist_id=deleted.pk, actor=editor)
    return active, deleted


def test_list_shows_active_watchlists_by_default(editor_client, lists):
    response = editor_client.get(LIST)
    assert response.status_code == 200
    assert _names(response) == ["Alpha"]
    assert _records(response)[0].active_entries == 2


@pytest.mark.parametrize(
    ("status", "names"), [("active", ["Alpha"]), ("deleted", ["Bravo"]), ("all", ["Alpha", "Bravo"])]
)
def test_list_status_filter(editor_client, lists, status, names):
    response = editor_client.get(LIST, {"status": status})
    assert _names(response) == names


def test_list_deleted_rows_show_who_and_when(editor_client, lists):
    response = editor_client.get(LIST, {"status": "deleted"})
    assert b"Deleted by" in response.content
    assert b"editor" in response.content
    assert b"1 entry back on restore" in response.content


def test_list_unknown_status_is_a_form_error_showing_active_rows(editor_client, lists):
    response = editor_client.get(LIST, {"status": "bogus"})
    assert response.status_code == 200
    assert _names(response) == ["Alpha"]
    assert b"Select a valid choice" in response.content


def test_list_search_by_name_is_case_insensitive(editor_client, lists):
    WatchlistFactory(name="Charlie")
    assert _names(editor_client.get(LIST, {"q": "ALP"})) == ["Alpha"]


def test_list_search_by_plate_matches_only_active_entries(editor_client, lists):
    active, _ = lists
    WatchlistEntryFactory(watchlist=active, plate_number="XYZ987")
    other = WatchlistFactory(name="Delta")
    WatchlistEntryFactory(watchlist=other, plate_number="XYZ987", is_deleted=True, deleted_at=timezone.now())
    assert _names(editor_client.get(LIST, {"q": "xyz987", "status": "all"})) == ["Alpha"]


def test_list_bad_sort_and_page_do_not_fail(editor_client, lists):
    assert editor_client.get(LIST, {"sort": "nonsense", "page": "zz"}).status_code == 200
    assert editor_client.get(LIST, {"page": "999"}).status_code == 200


def test_list_shows_delete_or_restore_buttons_by_permission(
    editor_client, deleter_client, viewer_client, lists
):
    active, deleted = lists
    delete_url = reverse("watchlists:delete", kwargs={"pk": active.pk}).encode()
    restore_url = reverse("watchlists:restore", kwargs={"pk": deleted.pk}).encode()
    page = editor_client.get(LIST, {"status": "all"}).content
    assert delete_url in page and restore_url in page
    page = deleter_client.get(LIST, {"status": "all"}).content
    assert delete_url in page and restore_url not in page
    page = viewer_client.get(LIST, {"status": "all"}).content
    assert delete_url not in page and restore_url not in page


def test_list_needs_view_permission(client, django_user_model):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="nobody"))
    assert client.get(LIST).status_code == 403


def test_list_needs_login(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_delete_soft_deletes_and_redirects_with_a_message(editor_client, lists):
    active, _ = lists
    response = editor_client.post(reverse("watchlists:delete", kwargs={"pk": active.pk}))
    assert response.status_code == 302
    assert response.url == LIST
    assert Watchlist.all_objects.get(pk=active.pk).is_deleted is True
    assert _messages(response) == [
        "Deleted the watchlist “Alpha” and 2 active entries. It can be restored from the Deleted view."
    ]


def test_restore_brings_the_watchlist_back_with_a_message(editor_client, lists):
    _, deleted = lists
    response = editor_client.post(
        reverse("watchlists:restore", kwargs={"pk": deleted.pk}), {"next": LIST + "?status=deleted"}
    )
    assert response.url == LIST + "?status=deleted"
    assert Watchlist.objects.filter(pk=deleted.pk).exists()
    assert _messages(response) == ["Restored the watchlist “Bravo” with 1 entry."]


def test_restore_name_clash_is_an_error_message(editor_client, lists):
    _, deleted = lists
    WatchlistFactory(name="bravo")
    response = editor_client.post(reverse("watchlists:restore", kwargs={"pk": deleted.pk}))
    assert response.status_code == 302
    assert "an active watchlist named “bravo” already exists" in _messages(response)[0]
    assert Watchlist.all_objects.get(pk=deleted.pk).is_deleted is True


def test_redirect_ignores_an_offsite_next(editor_client, lists):
    active, _ = lists
    response = editor_client.post(
        reverse("watchlists:delete", kwargs={"pk": active.pk}), {"next": "https://evil.example/"}
    )
    assert response.url == LIST


def test_restore_needs_the_restore_permission(deleter_client, lists):
    _, deleted = lists
    response = deleter_client.post(reverse("watchlists:restore", kwargs={"pk": deleted.pk}))
    assert response.status_code == 403
    assert Watchlist.all_objects.get(pk=deleted.pk).is_deleted is True


def test_delete_needs_the_delete_permission(viewer_client, lists):
    active, _ = lists
    response = viewer_client.post(reverse("watchlists:delete", kwargs={"pk": active.pk}))
    assert response.status_code == 403
    assert Watchlist.objects.filter(pk=active.pk).exists()


def test_entry_delete_needs_the_entry_delete_permission(viewer_client, lists):
    active, _ = lists
    entry = WatchlistEntry.objects.filter(watchlist=active).first()
    url = reverse("watchlists:entry_delete", kwargs={"pk": active.pk, "entry_id": entry.pk})
    assert viewer_client.post(url).status_code == 403


def test_restore_urls_refuse_get_with_a_page_and_delete_urls_only_ask_to_confirm(editor_client, lists):
    active, deleted = lists
    entry = WatchlistEntry.objects.filter(watchlist=active).first()
    for url in [
        reverse("watchlists:restore", kwargs={"pk": deleted.pk}),
        reverse("watchlists:entry_restore", kwargs={"pk": active.pk, "entry_id": entry.pk}),
    ]:
        response = editor_client.get(url)
        assert response.status_code == 405
        assert "This cannot be done from a link" in response.content.decode()
        assert response["Allow"] == "POST"
    for url in [
        reverse("watchlists:delete", kwargs={"pk": active.pk}),
        reverse("watchlists:entry_delete", kwargs={"pk": active.pk, "entry_id": entry.pk}),
    ]:
        assert editor_client.get(url).status_code == 200
    assert Watchlist.objects.filter(pk=active.pk).exists()
    assert WatchlistEntry.objects.filter(pk=entry.pk).exists()
    assert Watchlist.all_objects.get(pk=deleted.pk).is_deleted


def test_delete_asks_to_confirm_naming_the_watchlist_its_entries_and_that_it_can_be_restored(
    editor_client, lists
):
    active, _ = lists
    url = reverse("watchlists:delete", kwargs={"pk": active.pk})

    response = editor_client.get(url, {"next": LIST + "?q=Al"})

    html = response.content.decode()
    assert "Delete the watchlist “Alpha”?" in html
    assert "Its 2 active entries are deleted with it" in html
    assert "It can be restored" in html
    assert f'<form method="post" action="{url}"' in html
    assert '<input type="hidden" name="next" value="/watchlists/?q=Al">' in html
    assert '<a class="button" href="/watchlists/?q=Al">Cancel</a>' in html
    assert Watchlist.objects.filter(pk=active.pk).exists()


def test_delete_confirmation_of_a_deleted_watchlist_says_so_and_offers_no_button(editor_client, lists):
    _, deleted = lists
    html = editor_client.get(reverse("watchlists:delete", kwargs={"pk": deleted.pk})).content.decode()
    assert "“Bravo” is already deleted" in html
    assert "<button" not in html.split("<main>")[1]


def test_entry_delete_asks_to_confirm_naming_the_plate_and_its_watchlist(editor_client, lists):
    active, _ = lists
    entry = WatchlistEntry.objects.filter(watchlist=active).first()
    url = reverse("watchlists:entry_delete", kwargs={"pk": active.pk, "entry_id": entry.pk})

    html = editor_client.get(url, {"next": "https://evil.example/"}).content.decode()

    assert f"Delete the plate {entry.plate_number} from “Alpha”?" in html
    assert "It can be restored" in html
    detail = reverse("watchlists:detail", kwargs={"pk": active.pk})
    assert f'<input type="hidden" name="next" value="{detail}">' in html  # an offsite next is not kept
    assert WatchlistEntry.objects.filter(pk=entry.pk).exists()


def test_delete_confirmation_needs_the_delete_permission_and_an_existing_row(
    viewer_client, editor_client, lists
):
    active, _ = lists
    entry = WatchlistEntry.objects.filter(watchlist=active).first()
    assert viewer_client.get(reverse("watchlists:delete", kwargs={"pk": active.pk})).status_code == 403
    entry_url = reverse("watchlists:entry_delete", kwargs={"pk": active.pk, "entry_id": entry.pk})
    assert viewer_client.get(entry_url).status_code == 403
    assert editor_client.get(reverse("watchlists:delete", kwargs={"pk": uuid.uuid4()})).status_code == 404
    other = reverse("watchlists:entry_delete", kwargs={"pk": uuid.uuid4(), "entry_id": entry.pk})
    assert editor_client.get(other).status_code == 404


def test_row_buttons_name_their_watchlist_or_plate_for_screen_readers(editor_client, lists):
    active, _ = lists
    entry = WatchlistEntry.objects.filter(watchlist=active).first()
    html = editor_client.get(LIST, {"status": "all"}).content.decode()
    assert 'aria-label="Delete watchlist Alpha">Delete</a>' in html
    assert 'aria-label="Restore watchlist Bravo">Restore</button>' in html
    html = editor_client.get(reverse("watchlists:detail", kwargs={"pk": active.pk})).content.decode()
    assert f'aria-label="Delete plate {entry.plate_number}">Delete</a>' in html


def test_detail_links_each_plate_to_an_events_search_for_it(editor_client, lists):
    active, _ = lists
    html = editor_client.get(reverse("watchlists:detail", kwargs={"pk": active.pk})).content.decode()
    for entry in WatchlistEntry.objects.filter(watchlist=active):
        assert f'href="/events/?plate={entry.plate_number}"' in html


def test_csrf_is_enforced_on_actions(csrf_client, lists):
    active, _ = lists
    url = reverse("watchlists:delete", kwargs={"pk": active.pk})
    assert csrf_client.post(url).status_code == 403
    assert Watchlist.objects.filter(pk=active.pk).exists()
    page = csrf_client.get(LIST)
    token = page.context["csrf_token"]
    assert csrf_client.post(url, {"csrfmiddlewaretoken": str(token)}).status_code == 302
    assert Watchlist.all_objects.get(pk=active.pk).is_deleted is True


def test_unknown_or_malformed_ids_are_404(editor_client, lists):
    active, _ = lists
    missing = uuid.uuid4()
    assert editor_client.get(f"/watchlists/{missing}/").status_code == 404
    assert editor_client.get("/watchlists/not-a-uuid/").status_code == 404
    assert editor_client.post(f"/watchlists/{missing}/delete/").status_code == 404
    assert editor_client.post(f"/watchlists/{missing}/restore/").status_code == 404
    assert editor_client.post("/watchlists/123/delete/").status_code == 404
    assert editor_client.post(f"/watchlists/{active.pk}/entries/{missing}/delete/").status_code == 404
    assert editor_client.post(f"/watchlists/{active.pk}/entries/nope/restore/").status_code == 404


def test_entry_of_another_watchlist_is_404(editor_client, lists):
    active, _ = lists
    other = WatchlistFactory()
    entry = WatchlistEntry.objects.filter(watchlist=active).first()
    url = reverse("watchlists:entry_delete", kwargs={"pk": other.pk, "entry_id": entry.pk})
    assert editor_client.post(url).status_code == 404
    assert WatchlistEntry.objects.filter(pk=entry.pk).exists()


def test_detail_lists_entries_with_the_status_filter(editor_client, lists):
    active, _ = lists
    gone = WatchlistEntryFactory(watchlist=active, plate_number="GONE01")
    services.watchlist_entry_soft_delete(entry_id=gone.pk, actor=None)
    url = reverse("watchlists:detail", kwargs={"pk": active.pk})
    plates = [e.plate_number for e in _records(editor_client.get(url))]
    assert len(plates) == 2 and "GONE01" not in plates
    deleted = _records(editor_client.get(url, {"status": "deleted"}))
    assert [e.plate_number for e in deleted] == ["GONE01"]
    assert len(_records(editor_client.get(url, {"status": "all"}))) == 3


def test_detail_of_a_deleted_watchlist_says_what_comes_back(editor_client, lists):
    _, deleted = lists
    response = editor_client.get(reverse("watchlists:detail", kwargs={"pk": deleted.pk}), {"status": "all"})
    assert response.status_code == 200
    assert b"1 entry deleted with it comes back" in response.content
    assert b"with the watchlist; comes back on restore" in response.content


def test_entry_delete_and_restore_from_the_detail_page(editor_client, lists):
    active, _ = lists
    entry = WatchlistEntry.objects.filter(watchlist=active).first()
    detail = reverse("watchlists:detail", kwargs={"pk": active.pk})
    response = editor_client.post(
        reverse("watchlists:entry_delete", kwargs={"pk": active.pk, "entry_id": entry.pk})
    )
    assert response.url == detail
    assert _messages(response) == [f"Deleted the plate {entry.plate_number}. It can be restored."]
    assert WatchlistEntry.all_objects.get(pk=entry.pk).is_deleted is True
    response = editor_client.post(
        reverse("watchlists:entry_restore", kwargs={"pk": active.pk, "entry_id": entry.pk})
    )
    assert _messages(response)[-1] == f"Restored the plate {entry.plate_number}."
    assert WatchlistEntry.objects.filter(pk=entry.pk).exists()


def test_entry_restore_on_a_deleted_watchlist_is_an_error_message(editor_client, lists):
    _, deleted = lists
    entry = WatchlistEntry.all_objects.filter(watchlist=deleted).first()
    url = reverse("watchlists:entry_restore", kwargs={"pk": deleted.pk, "entry_id": entry.pk})
    response = editor_client.post(url)
    assert response.status_code == 302
    assert "restore the watchlist first" in _messages(response)[0]


def test_entry_restore_needs_the_restore_permission(deleter_client, lists):
    active, _ = lists
    entry = WatchlistEntry.objects.filter(watchlist=active).first()
    services.watchlist_entry_soft_delete(entry_id=entry.pk, actor=None)
    url = reverse("watchlists:entry_restore", kwargs={"pk": active.pk, "entry_id": entry.pk})
    assert deleter_client.post(url).status_code == 403
    assert WatchlistEntry.all_objects.get(pk=entry.pk).is_deleted is True


def test_done_when_delete_find_under_deleted_restore_entries_back_except_one_deleted_earlier(editor_client):
    watchlist = WatchlistFactory(name="Demo")
    kept = WatchlistEntryFactory.create_batch(2, watchlist=watchlist)
    earlier = WatchlistEntryFactory(watchlist=watchlist)
    editor_client.post(
        reverse("watchlists:entry_delete", kwargs={"pk": watchlist.pk, "entry_id": earlier.pk})
    )
    editor_client.post(reverse("watchlists:delete", kwargs={"pk": watchlist.pk}))
    assert _names(editor_client.get(LIST)) == []
    assert _names(editor_client.get(LIST, {"status": "deleted"})) == ["Demo"]
    editor_client.post(reverse("watchlists:restore", kwargs={"pk": watchlist.pk}))
    detail = editor_client.get(reverse("watchlists:detail", kwargs={"pk": watchlist.pk}))
    assert set(_records(detail)) == set(kept)


@pytest.mark.parametrize("column", ["name", "active_entries", "created_at", "deleted_by", "deleted_at"])
def test_list_sorts_by_every_column(editor_client, lists, column):
    for sort in (column, f"-{column}"):
        response = editor_client.get(LIST, {"status": "all", "sort": sort})
        assert response.status_code == 200
        assert sorted(_names(response)) == ["Alpha", "Bravo"]


def test_list_pages_by_fifty(editor_client):
    WatchlistFactory.create_batch(55)
    assert len(_records(editor_client.get(LIST))) == 50
    assert len(_records(editor_client.get(LIST, {"page": 2}))) == 5


def test_detail_of_a_deleted_watchlist_points_to_its_deleted_entries(editor_client, lists):
    _, deleted = lists
    response = editor_client.get(reverse("watchlists:detail", kwargs={"pk": deleted.pk}))
    assert _records(response) == []
    assert b"Show its deleted entries" in response.content


def test_list_page_size_is_not_a_parameter(editor_client):
    WatchlistFactory.create_batch(55)
    assert len(_records(editor_client.get(LIST, {"per_page": 100000}))) == 50
    assert len(_records(editor_client.get(LIST, {"page": "-1"}))) == 5


def test_list_page_out_of_range_shows_the_last_page_and_a_bad_page_the_first(editor_client):
    WatchlistFactory.create_batch(55)
    assert len(_records(editor_client.get(LIST, {"page": "999"}))) == 5
    assert len(_records(editor_client.get(LIST, {"page": "zz"}))) == 50
