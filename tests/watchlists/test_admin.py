import datetime as dt

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages
from django.urls import reverse

from core.models import AuditLog
from tests.factories import WatchlistEntryFactory, WatchlistFactory
from watchlists import services
from watchlists.models import Watchlist, WatchlistEntry
from watchlists.soft_delete_admin import SOFT_DELETE_NOTE

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:watchlists_watchlist_changelist")
ENTRY_CHANGELIST = reverse("admin:watchlists_watchlistentry_changelist")


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def _shown(response):
    return [obj.name for obj in response.context["cl"].result_list]


@pytest.fixture
def lists(editor):
    active = WatchlistFactory(name="Alpha")
    WatchlistEntryFactory.create_batch(2, watchlist=active)
    deleted = WatchlistFactory(name="Bravo")
    services.watchlist_soft_delete(watchlist_id=deleted.pk, actor=editor)
    return active, deleted


def test_changelist_shows_active_by_default(editor_client, lists):
    response = editor_client.get(CHANGELIST)
    assert response.status_code == 200
    assert _shown(response) == ["Alpha"]


@pytest.mark.parametrize(
    ("status", "names"),
    [("active", ["Alpha"]), ("deleted", ["Bravo"]), ("all", ["Alpha", "Bravo"]), ("bogus", ["Alpha"])],
)
def test_changelist_status_filter(editor_client, lists, status, names):
    response = editor_client.get(CHANGELIST, {"status": status})
    assert response.status_code == 200
    assert _shown(response) == names


@pytest.mark.usefixtures("lists")
def test_changelist_marks_deleted_rows_with_who_and_when(editor_client):
    content = editor_client.get(CHANGELIST, {"status": "deleted"}).content.decode()
    assert "Deleted by" in content
    assert ">editor<" in content
    assert ">Deleted<" in content


def test_delete_view_soft_deletes_and_says_it_can_be_restored(editor_client, lists):
    active, _ = lists
    url = reverse("admin:watchlists_watchlist_delete", args=[active.pk])
    confirm = editor_client.get(url).content.decode()
    assert "soft delete" in confirm
    assert "2 active entries, soft-deleted with their watchlist" in confirm
    assert "All of the following related items will be deleted" not in confirm
    response = editor_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert Watchlist.all_objects.get(pk=active.pk).is_deleted is True
    assert WatchlistEntry.objects.filter(watchlist=active).count() == 0
    assert "It can be restored" in _messages(response)[0]
    assert LogEntry.objects.filter(object_id=str(active.pk)).count() == 1
    assert AuditLog.objects.filter(object_id=str(active.pk), action="watchlist.soft_delete").count() == 1


def test_delete_view_of_a_deleted_watchlist_is_refused(editor_client, lists):
    _, deleted = lists
    assert (
        editor_client.get(reverse("admin:watchlists_watchlist_delete", args=[deleted.pk])).status_code == 403
    )


def test_delete_selected_soft_deletes_and_says_they_can_be_restored(editor_client, lists):
    active, _ = lists
    other = WatchlistFactory(name="Charlie")
    data = {"action": "delete_selected", ACTION_CHECKBOX_NAME: [active.pk, other.pk]}
    confirm = editor_client.post(CHANGELIST, data).content.decode()
    assert "soft delete" in confirm
    assert "and their related items will be deleted" not in confirm
    response = editor_client.post(CHANGELIST, {**data, "post": "yes"})
    assert response.status_code == 302
    assert not Watchlist.objects.filter(pk__in=[active.pk, other.pk]).exists()
    assert Watchlist.all_objects.filter(pk__in=[active.pk, other.pk]).count() == 2
    assert _messages(response) == [f"Deleted 2 watchlists. {SOFT_DELETE_NOTE}"]
    assert "can be restored" in SOFT_DELETE_NOTE
    assert AuditLog.objects.filter(action="watchlist.soft_delete").count() == 3


def test_restore_selected_restores_and_counts_the_entries_that_came_back(editor_client, editor):
    deleted = WatchlistFactory(name="Bravo")
    WatchlistEntryFactory.create_batch(3, watchlist=deleted)
    services.watchlist_soft_delete(watchlist_id=deleted.pk, actor=editor)
    data = {"action": "restore_selected", ACTION_CHECKBOX_NAME: [deleted.pk]}
    response = editor_client.post(CHANGELIST + "?status=deleted", data)
    assert response.status_code == 302
    assert Watchlist.objects.filter(pk=deleted.pk).exists()
    assert _messages(response) == ["Restored 1 watchlist with 3 entries."]


def test_the_admin_is_titled_chaverim_admin_and_writes_iso_dates(editor_client, lists):
    content = editor_client.get(CHANGELIST).content.decode()
    assert ">Chaverim Admin</a>" in content
    assert "Django administration" not in content
    created = lists[0].created_at.astimezone(dt.UTC)
    assert f"{created:%Y-%m-%d %H:%M} UTC" in content


def test_restore_selected_reports_a_name_clash(editor_client, lists):
    _, deleted = lists
    WatchlistFactory(name="BRAVO")
    data = {"action": "restore_selected", ACTION_CHECKBOX_NAME: [deleted.pk]}
    response = editor_client.post(CHANGELIST + "?status=deleted", data)
    assert "an active watchlist named “BRAVO” already exists" in _messages(response)[0]
    assert Watchlist.all_objects.get(pk=deleted.pk).is_deleted is True


def test_restore_selected_needs_the_restore_permission(deleter_client, lists):
    _, deleted = lists
    response = deleter_client.get(CHANGELIST, {"status": "deleted"})
    assert "restore_selected" not in response.context["action_form"].fields["action"].choices.__repr__()
    data = {"action": "restore_selected", ACTION_CHECKBOX_NAME: [deleted.pk]}
    deleter_client.post(CHANGELIST + "?status=deleted", data)
    assert Watchlist.all_objects.get(pk=deleted.pk).is_deleted is True


def test_change_form_shows_deleted_columns_read_only(editor_client, lists):
    _, deleted = lists
    response = editor_client.get(reverse("admin:watchlists_watchlist_change", args=[deleted.pk]))
    assert response.status_code == 200
    assert "is_deleted" not in response.context["adminform"].form.fields


def test_change_form_reports_a_name_clash_instead_of_failing(editor_client, lists):
    active, _ = lists
    WatchlistFactory(name="Charlie")
    url = reverse("admin:watchlists_watchlist_change", args=[active.pk])
    data = {
        "name": "charlie",
        "description": "",
        "entries-TOTAL_FORMS": "0",
        "entries-INITIAL_FORMS": "0",
        "entries-MIN_NUM_FORMS": "0",
        "entries-MAX_NUM_FORMS": "1000",
    }
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "An active watchlist with this name already exists." in response.content.decode()


def test_entry_admin_status_filter_and_soft_delete(editor_client, lists):
    active, _ = lists
    entry = WatchlistEntry.objects.filter(watchlist=active).first()
    shown = editor_client.get(ENTRY_CHANGELIST).context["cl"].result_list
    assert {e.watchlist_id for e in shown} == {active.pk}
    response = editor_client.post(
        reverse("admin:watchlists_watchlistentry_delete", args=[entry.pk]), {"post": "y"}
    )
    assert response.status_code == 302
    assert WatchlistEntry.all_objects.get(pk=entry.pk).is_deleted is True
    shown = editor_client.get(ENTRY_CHANGELIST, {"status": "deleted"}).context["cl"].result_list
    assert entry in list(shown)
    data = {"action": "restore_selected", ACTION_CHECKBOX_NAME: [entry.pk]}
    editor_client.post(ENTRY_CHANGELIST + "?status=deleted", data)
    assert WatchlistEntry.objects.filter(pk=entry.pk).exists()


def test_inline_cannot_delete_entries(editor_client, lists):
    active, _ = lists
    response = editor_client.get(reverse("admin:watchlists_watchlist_change", args=[active.pk]))
    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.can_delete is False


def _inline_data(name, plates):
    data = {
        "name": name,
        "description": "",
        "entries-TOTAL_FORMS": str(len(plates)),
        "entries-INITIAL_FORMS": "0",
        "entries-MIN_NUM_FORMS": "0",
        "entries-MAX_NUM_FORMS": "1000",
    }
    for index, plate in enumerate(plates):
        data[f"entries-{index}-plate_number"] = plate
        data[f"entries-{index}-reason"] = ""
    return data


def test_add_watchlist_with_entries_records_who_created_them(editor_client, editor):
    response = editor_client.post(reverse("admin:watchlists_watchlist_add"), _inline_data("New", ["AAA111"]))
    assert response.status_code == 302
    watchlist = Watchlist.objects.get(name="New")
    assert watchlist.created_by == editor
    assert [e.created_by for e in watchlist.entries.all()] == [editor]


def test_inline_refuses_a_plate_twice_or_already_active(editor_client, lists):
    active, _ = lists
    response = editor_client.post(
        reverse("admin:watchlists_watchlist_add"), _inline_data("Twice", ["B1", "B1"])
    )
    assert response.status_code == 200
    assert "This plate is already in this form." in response.content.decode()
    plate = WatchlistEntry.objects.filter(watchlist=active).first().plate_number
    url = reverse("admin:watchlists_watchlist_change", args=[active.pk])
    data = _inline_data("Alpha", [])
    data.update(
        {
            "entries-TOTAL_FORMS": "1",
            "entries-0-plate_number": plate,
            "entries-0-reason": "",
        }
    )
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "This plate is already on the watchlist." in response.content.decode()


# Versioned entries in the admin ---------------------------------------------------------------------------


def _entry_change_data(entry, **changes):
    data = {
        "plate_number": entry.plate_number,
        "reason": entry.reason,
        "loaded_version": "1",
        "_save": "Save",
    }
    data.update(changes)
    return data


def test_entry_change_form_saves_through_the_service_at_the_loaded_version(editor_client):
    entry = WatchlistEntryFactory(plate_number="ABC1", reason="old")
    url = reverse("admin:watchlists_watchlistentry_change", args=[entry.pk])
    assert 'name="loaded_version" value="1"' in editor_client.get(url).content.decode()
    response = editor_client.post(url, _entry_change_data(entry, reason="new"))
    assert response.status_code == 302
    row = WatchlistEntry.objects.get(pk=entry.pk)
    assert (row.reason, row.version) == ("new", 2)
    assert AuditLog.objects.filter(action="watchlist_entry.update", object_id=str(entry.pk)).count() == 1
    assert LogEntry.objects.filter(object_id=str(entry.pk)).count() == 1  # the service's, not a second one


def test_a_stale_entry_change_is_a_form_error_with_the_input_kept(editor_client, editor):
    entry = WatchlistEntryFactory(plate_number="ABC1", reason="old")
    services.watchlist_entry_update(
        entry_id=entry.pk, expected_version=1, changes={"reason": "theirs"}, actor=editor
    )
    url = reverse("admin:watchlists_watchlistentry_change", args=[entry.pk])
    response = editor_client.post(url, _entry_change_data(entry, reason="mine"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "This watchlist entry was modified by another request" in content
    assert "You loaded version 1; it is now version 2" in content
    assert reverse("watchlists:entry_edit", args=[entry.watchlist_id, entry.pk]) in content
    assert "mine</textarea>" in content
    assert WatchlistEntry.objects.get(pk=entry.pk).reason == "theirs"


def test_a_stale_inline_row_is_refused_and_a_row_left_as_it_is_is_not_written(editor_client, editor):
    watchlist = WatchlistFactory(name="Alpha")
    mine = WatchlistEntryFactory(watchlist=watchlist, plate_number="AAA1", reason="a")
    theirs = WatchlistEntryFactory(watchlist=watchlist, plate_number="BBB1", reason="b")
    url = reverse("admin:watchlists_watchlist_change", args=[watchlist.pk])

    def rows(*entries, **changes):
        data = _inline_data("Alpha", [])
        data.update({"entries-TOTAL_FORMS": "2", "entries-INITIAL_FORMS": "2"})
        for index, entry in enumerate(entries):
            data[f"entries-{index}-id"] = str(entry.pk)
            data[f"entries-{index}-watchlist"] = str(watchlist.pk)
            data[f"entries-{index}-plate_number"] = entry.plate_number
            data[f"entries-{index}-reason"] = entry.reason
            data[f"entries-{index}-loaded_version"] = str(entry.version)
        return {**data, **changes}

    stale_page = rows(mine, theirs, **{"entries-0-reason": "mine"})
    services.watchlist_entry_update(
        entry_id=theirs.pk, expected_version=1, changes={"reason": "x"}, actor=editor
    )
    # The page still holds "b" at version 1 for the other row: saving it would undo their edit unseen.
    response = editor_client.post(url, stale_page)
    assert response.status_code == 200
    assert "This watchlist entry was modified by another request" in response.content.decode()
    assert [WatchlistEntry.objects.get(pk=e.pk).reason for e in (mine, theirs)] == ["a", "x"]

    fresh_page = rows(mine, WatchlistEntry.objects.get(pk=theirs.pk), **{"entries-0-reason": "mine"})
    assert editor_client.post(url, fresh_page).status_code == 302
    rows_now = [WatchlistEntry.objects.get(pk=e.pk) for e in (mine, theirs)]
    assert [(row.reason, row.version) for row in rows_now] == [("mine", 2), ("x", 2)]


def test_entry_add_form_creates_through_the_service(editor_client, editor):
    watchlist = WatchlistFactory()
    response = editor_client.post(
        reverse("admin:watchlists_watchlistentry_add"),
        {"watchlist": str(watchlist.pk), "plate_number": "ab-1", "reason": "", "_save": "Save"},
    )
    assert response.status_code == 302
    entry = WatchlistEntry.objects.get(watchlist=watchlist)
    assert (entry.plate_number, entry.created_by, entry.version) == ("AB1", editor, 1)
    assert AuditLog.objects.filter(action="watchlist_entry.create", object_id=str(entry.pk)).exists()
