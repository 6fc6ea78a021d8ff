import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages
from django.urls import reverse

from core.models import AuditLog
from tests.factories import WatchlistEntryFactory, WatchlistFactory
from watchlists import services
from watchlists.admin import SOFT_DELETE_NOTE
from watchlists.models import Watchlist, WatchlistEntry

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


def test_restore_selected_restores(editor_client, lists):
    _, deleted = lists
    data = {"action": "restore_selected", ACTION_CHECKBOX_NAME: [deleted.pk]}
    response = editor_client.post(CHANGELIST + "?status=deleted", data)
    assert response.status_code == 302
    assert Watchlist.objects.filter(pk=deleted.pk).exists()
    assert _messages(response) == ["Restored 1 watchlist."]


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
