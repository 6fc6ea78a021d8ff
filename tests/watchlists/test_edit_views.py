"""The editing pages: new and renamed watchlists, plates added and edited (with the conflict view)."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from core.models import AuditLog
from tests.factories import WatchlistEntryFactory, WatchlistFactory
from watchlists import services
from watchlists.errors import ENTRY_CONFLICT_MESSAGE
from watchlists.models import Watchlist, WatchlistEntry

pytestmark = pytest.mark.django_db

CREATE = reverse("watchlists:create")
APPLY_BUTTON = "Apply my changes on top of the latest version"


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def _detail(watchlist):
    return reverse("watchlists:detail", kwargs={"pk": watchlist.pk})


def _entry_edit(entry):
    return reverse("watchlists:entry_edit", kwargs={"pk": entry.watchlist_id, "entry_id": entry.pk})


def _sent(form, **changes):
    """The data a browser would send back for `form`, with some fields changed."""
    data = {}
    for bound in form:
        value = bound.value()
        data[bound.html_name] = "" if value is None else value
    data.update(changes)
    return data


# New and renamed watchlists -----------------------------------------------------------------------------


def test_editor_creates_a_watchlist_and_lands_on_its_page(editor_client, editor):
    response = editor_client.post(CREATE, {"name": "Stolen cars", "description": "Police feed"})
    watchlist = Watchlist.objects.get(name="Stolen cars")
    assert response.status_code == 302
    assert response["Location"] == _detail(watchlist)
    assert watchlist.created_by == editor
    assert AuditLog.objects.filter(action="watchlist.create", object_id=str(watchlist.pk)).exists()


def test_a_name_in_use_is_a_form_error(editor_client):
    WatchlistFactory(name="Stolen cars")
    response = editor_client.post(CREATE, {"name": "stolen CARS", "description": ""})
    assert response.status_code == 200
    assert "An active watchlist with this name already exists." in response.content.decode()
    assert Watchlist.objects.count() == 1


def test_a_name_with_control_characters_is_a_form_error(editor_client):
    response = editor_client.post(CREATE, {"name": "Bad\x01name", "description": ""})
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert not Watchlist.objects.exists()


def test_rename_saves_and_says_so(editor_client):
    watchlist = WatchlistFactory(name="Alpha")
    url = reverse("watchlists:edit", kwargs={"pk": watchlist.pk})
    assert 'value="Alpha"' in editor_client.get(url).content.decode()
    response = editor_client.post(url, {"name": "Bravo", "description": "new"}, follow=True)
    assert "Saved the watchlist “Bravo”." in _messages(response)
    assert Watchlist.objects.get(pk=watchlist.pk).name == "Bravo"


def test_a_deleted_watchlist_is_not_edited_until_restored(editor_client, editor):
    watchlist = WatchlistFactory(name="Alpha")
    services.watchlist_soft_delete(watchlist_id=watchlist.pk, actor=editor)
    for url in ("watchlists:edit", "watchlists:entry_add", "watchlists:import"):
        response = editor_client.get(reverse(url, kwargs={"pk": watchlist.pk}))
        assert response.status_code == 302
        assert "restore it before changing it" in _messages(response)[-1]


@pytest.mark.parametrize(
    ("url", "kwargs"),
    [
        ("watchlists:create", {}),
        ("watchlists:edit", {"pk": True}),
        ("watchlists:entry_add", {"pk": True}),
        ("watchlists:import", {"pk": True}),
        ("watchlists:entry_edit", {"pk": True, "entry_id": True}),
    ],
)
def test_viewers_may_not_open_the_editing_pages(viewer_client, url, kwargs):
    entry = WatchlistEntryFactory()
    values = {"pk": entry.watchlist_id, "entry_id": entry.pk}
    target = reverse(url, kwargs={name: values[name] for name in kwargs})
    assert viewer_client.get(target).status_code == 403
    assert viewer_client.post(target, {"name": "x", "plate_number": "X1"}).status_code == 403


def test_every_editing_post_needs_the_csrf_token(csrf_client):
    entry = WatchlistEntryFactory()
    posts = [
        (CREATE, {"name": "x"}),
        (reverse("watchlists:entry_add", kwargs={"pk": entry.watchlist_id}), {"plate_number": "X1"}),
        (_entry_edit(entry), {"plate_number": "X1", "version": "1"}),
        (reverse("watchlists:import", kwargs={"pk": entry.watchlist_id}), {"text": "X1"}),
    ]
    for url, data in posts:
        assert csrf_client.post(url, data).status_code == 403
    assert WatchlistEntry.objects.count() == 1 and Watchlist.objects.count() == 1


def test_the_watchlist_page_offers_editing_to_editors_only(editor_client, viewer_client):
    entry = WatchlistEntryFactory()
    editor_page = editor_client.get(_detail(entry.watchlist)).content.decode()
    viewer_page = viewer_client.get(_detail(entry.watchlist)).content.decode()
    for link in (
        reverse("watchlists:edit", kwargs={"pk": entry.watchlist_id}),
        reverse("watchlists:import", kwargs={"pk": entry.watchlist_id}),
        reverse("watchlists:entry_add", kwargs={"pk": entry.watchlist_id}),
        _entry_edit(entry),
    ):
        assert link in editor_page
        assert link not in viewer_page


# Plates ---------------------------------------------------------------------------------------------------


def test_a_plate_added_from_the_watchlist_page_is_normalized(editor_client):
    watchlist = WatchlistFactory()
    url = reverse("watchlists:entry_add", kwargs={"pk": watchlist.pk})
    response = editor_client.post(url, {"plate_number": "ab-12 c", "reason": "seen"}, follow=True)
    assert "Added the plate AB12C." in _messages(response)
    assert WatchlistEntry.objects.get(watchlist=watchlist).plate_number == "AB12C"


def test_adding_a_plate_already_on_the_list_is_a_form_error(editor_client):
    entry = WatchlistEntryFactory(plate_number="ABC1")
    url = reverse("watchlists:entry_add", kwargs={"pk": entry.watchlist_id})
    response = editor_client.post(url, {"plate_number": "abc 1"})
    assert response.status_code == 200
    assert response.context["form"].errors["plate_number"] == [
        f"The plate ABC1 is already on the watchlist “{entry.watchlist.name}”."
    ]


def test_adding_an_invalid_plate_is_a_form_error(editor_client):
    watchlist = WatchlistFactory()
    response = editor_client.post(
        reverse("watchlists:entry_add", kwargs={"pk": watchlist.pk}), {"plate_number": "AB#1"}
    )
    assert "plate_number" in response.context["form"].errors
    assert not WatchlistEntry.all_objects.exists()


def test_adding_a_deleted_plate_says_it_was_restored(editor_client, editor):
    entry = WatchlistEntryFactory(plate_number="ABC1")
    services.watchlist_entry_soft_delete(entry_id=entry.pk, actor=editor)
    url = reverse("watchlists:entry_add", kwargs={"pk": entry.watchlist_id})
    response = editor_client.post(url, {"plate_number": "ABC1", "reason": ""}, follow=True)
    assert "Restored the plate ABC1: it had been deleted from this list." in _messages(response)


def test_editing_a_plate_saves_at_the_next_version(editor_client):
    entry = WatchlistEntryFactory(plate_number="ABC1", reason="old")
    form = editor_client.get(_entry_edit(entry)).context["form"]
    response = editor_client.post(_entry_edit(entry), _sent(form, reason="new"), follow=True)
    assert "Saved the plate ABC1 (now version 2)." in _messages(response)
    row = WatchlistEntry.objects.get(pk=entry.pk)
    assert (row.reason, row.version) == ("new", 2)


def test_a_stale_edit_answers_409_with_the_comparison_and_keeps_the_input(editor_client, editor):
    entry = WatchlistEntryFactory(plate_number="ABC1", reason="old")
    form = editor_client.get(_entry_edit(entry)).context["form"]
    services.watchlist_entry_update(
        entry_id=entry.pk, expected_version=1, changes={"plate_number": "ABC2"}, actor=editor
    )

    response = editor_client.post(_entry_edit(entry), _sent(form, reason="mine"))

    assert response.status_code == 409
    content = response.content.decode()
    assert ENTRY_CONFLICT_MESSAGE in content and APPLY_BUTTON in content
    rows = {row["field"]: row for row in response.context["comparison"]}
    assert (rows["Plate"]["loaded"], rows["Plate"]["now"], rows["Plate"]["entered"]) == (
        "ABC1",
        "ABC2",
        "ABC1",
    )
    assert rows["Plate"]["now_differs"] and not rows["Plate"]["entered_differs"]
    assert (rows["Reason"]["loaded"], rows["Reason"]["entered"]) == ("old", "mine")
    assert rows["Reason"]["entered_differs"]
    assert (rows["Version"]["loaded"], rows["Version"]["now"]) == ("1", "2")
    rebased = response.context["form"]
    assert (rebased["plate_number"].value(), rebased["reason"].value(), rebased["version"].value()) == (
        "ABC2",
        "mine",
        2,
    )
    assert WatchlistEntry.objects.get(pk=entry.pk).reason == "old"


def test_apply_on_top_keeps_the_other_edit_and_adds_mine(editor_client, editor):
    entry = WatchlistEntryFactory(plate_number="ABC1", reason="old")
    form = editor_client.get(_entry_edit(entry)).context["form"]
    services.watchlist_entry_update(
        entry_id=entry.pk, expected_version=1, changes={"plate_number": "ABC2"}, actor=editor
    )
    conflict = editor_client.post(_entry_edit(entry), _sent(form, reason="mine"))

    response = editor_client.post(_entry_edit(entry), _sent(conflict.context["form"]))

    assert response.status_code == 302
    row = WatchlistEntry.objects.get(pk=entry.pk)
    assert (row.plate_number, row.reason, row.version) == ("ABC2", "mine", 3)


def test_an_edit_of_a_plate_deleted_meanwhile_says_so_and_writes_nothing(editor_client, editor):
    entry = WatchlistEntryFactory(plate_number="ABC1", reason="old")
    form = editor_client.get(_entry_edit(entry)).context["form"]
    services.watchlist_entry_soft_delete(entry_id=entry.pk, actor=editor)
    response = editor_client.post(_entry_edit(entry), _sent(form, reason="mine"), follow=True)
    assert "The plate ABC1 is deleted; restore it before editing it." in _messages(response)
    assert WatchlistEntry.all_objects.get(pk=entry.pk).reason == "old"


def test_a_damaged_loaded_field_is_a_form_error(editor_client):
    entry = WatchlistEntryFactory()
    form = editor_client.get(_entry_edit(entry)).context["form"]
    response = editor_client.post(_entry_edit(entry), _sent(form, loaded="{not json"))
    assert response.status_code == 200
    assert "The form was damaged in transit" in response.content.decode()


def test_a_delete_confirmed_on_a_stale_page_is_refused(editor_client, editor):
    entry = WatchlistEntryFactory(plate_number="ABC1")
    services.watchlist_entry_update(
        entry_id=entry.pk, expected_version=1, changes={"reason": "x"}, actor=editor
    )
    url = reverse("watchlists:entry_delete", kwargs={"pk": entry.watchlist_id, "entry_id": entry.pk})
    response = editor_client.post(url, {"version": "1"}, follow=True)
    assert ENTRY_CONFLICT_MESSAGE in _messages(response)[-1]
    assert not WatchlistEntry.all_objects.get(pk=entry.pk).is_deleted
    editor_client.post(url, {"version": "2"})
    assert WatchlistEntry.all_objects.get(pk=entry.pk).is_deleted
