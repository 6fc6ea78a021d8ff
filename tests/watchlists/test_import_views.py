"""The hotlist import page: preview, apply exactly the preview, and refuse bad input with nothing written."""

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import AuditLog
from tests.factories import WatchlistEntryFactory, WatchlistFactory
from watchlists import services
from watchlists.hotlist import MAX_BYTES, MAX_LINES
from watchlists.models import WatchlistEntry

pytestmark = pytest.mark.django_db

HOTLIST = "plate,reason\nNEW1,first\nLIVE1\nnew-1,again\nAB#1,bad\nGONE1,back\n"


@pytest.fixture
def watchlist(editor):
    """A watchlist with an active plate LIVE1 and a deleted plate GONE1."""
    watchlist = WatchlistFactory(name="Hot")
    WatchlistEntryFactory(watchlist=watchlist, plate_number="LIVE1")
    gone = WatchlistEntryFactory(watchlist=watchlist, plate_number="GONE1")
    services.watchlist_entry_soft_delete(entry_id=gone.pk, actor=editor)
    return watchlist


def _url(watchlist):
    return reverse("watchlists:import", kwargs={"pk": watchlist.pk})


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def _plates(watchlist):
    return set(WatchlistEntry.objects.filter(watchlist=watchlist).values_list("plate_number", flat=True))


def _preview(client, watchlist, **data):
    return client.post(_url(watchlist), {"action": "preview", **data})


def _apply(client, watchlist, preview):
    initial = preview.context["form"].initial
    return client.post(_url(watchlist), {"action": "apply", **initial})


def test_the_page_explains_the_format(editor_client, watchlist):
    response = editor_client.get(_url(watchlist))
    assert response.status_code == 200
    assert "up to 10,000 lines" in response.content.decode()


def test_preview_counts_each_kind_of_line_and_writes_nothing(editor_client, watchlist):
    response = _preview(editor_client, watchlist, text=HOTLIST)
    assert response.status_code == 200
    plan = response.context["plan"]
    assert plan.summary() == {"added": 1, "restored": 1, "already_active": 1, "duplicates": 1, "invalid": 1}
    sections = {section.title: section for section in response.context["sections"]}
    assert sections["Invalid lines, skipped"].rows == [
        (5, "AB#1,bad", "not a plate: 1 to 20 letters and digits (spaces and dashes are dropped)")
    ]
    assert sections["Duplicates, skipped (the first line of each plate is imported)"].rows == [(4, "NEW1", 2)]
    content = response.content.decode()
    assert "Import 2 plates" in content and "Nothing has been written yet" in content
    assert _plates(watchlist) == {"LIVE1"}
    assert not AuditLog.objects.filter(action="watchlist.import").exists()


def test_apply_imports_exactly_the_preview_with_one_audit_row(editor_client, watchlist):
    preview = _preview(editor_client, watchlist, text=HOTLIST)
    response = _apply(editor_client, watchlist, preview)
    assert response.status_code == 302
    assert _plates(watchlist) == {"LIVE1", "NEW1", "GONE1"}
    [audit] = AuditLog.objects.filter(action="watchlist.import")
    assert (audit.details["source"], audit.details["added"], audit.details["restored"]) == ("pasted", 1, 1)
    [message] = _messages(response)
    assert message == (
        "Imported the hotlist into “Hot”: 1 plate added, 1 restored; skipped 1 duplicate, "
        "1 plate already on the list, 1 invalid line."
    )


def test_apply_after_the_list_changed_shows_the_new_preview_and_writes_nothing(
    editor_client, editor, watchlist
):
    preview = _preview(editor_client, watchlist, text=HOTLIST)
    services.watchlist_entry_create(watchlist_id=watchlist.pk, plate_number="NEW1", actor=editor)
    response = _apply(editor_client, watchlist, preview)
    assert response.status_code == 409
    assert "The watchlist changed since the preview" in response.content.decode()
    assert response.context["plan"].summary()["added"] == 0
    assert response.context["form"].initial["digest"] != preview.context["form"].initial["digest"]
    assert not WatchlistEntry.objects.filter(watchlist=watchlist, plate_number="GONE1").exists()
    assert not AuditLog.objects.filter(action="watchlist.import").exists()


def test_apply_of_text_changed_after_the_preview_previews_again(editor_client, watchlist):
    preview = _preview(editor_client, watchlist, text="NEW1\n")
    data = {"action": "apply", **preview.context["form"].initial, "text": "NEW1\nNEW2\n"}
    response = editor_client.post(_url(watchlist), data)
    assert response.status_code == 409
    assert _plates(watchlist) == {"LIVE1"}


def test_apply_without_a_preview_digest_only_previews(editor_client, watchlist):
    response = editor_client.post(_url(watchlist), {"action": "apply", "text": "NEW1\n"})
    assert response.status_code == 200
    assert "plan" in response.context
    assert _plates(watchlist) == {"LIVE1"}


def test_an_uploaded_csv_is_previewed_and_applied(editor_client, watchlist):
    upload = SimpleUploadedFile("hot.csv", "\ufeffNEW1,café\nNEW2\n".encode(), content_type="text/csv")
    preview = _preview(editor_client, watchlist, upload=upload)
    assert preview.context["form"].initial["text"] == "NEW1,café\nNEW2\n"
    assert preview.context["form"].initial["source"] == "hot.csv"
    _apply(editor_client, watchlist, preview)
    assert _plates(watchlist) == {"LIVE1", "NEW1", "NEW2"}
    assert AuditLog.objects.get(action="watchlist.import").details["source"] == "hot.csv"


def test_nothing_to_import_offers_no_import_button(editor_client, watchlist):
    response = _preview(editor_client, watchlist, text="LIVE1\nbad#\n")
    content = response.content.decode()
    assert "Nothing to import" in content
    assert 'value="apply"' not in content


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("plates.xlsx", b"PK\x03\x04", "is not a CSV file"),
        ("plates.csv", b"PK\x03\x04\x00\x00", "not CSV text"),
        ("plates.csv", "ABC1,Müller\n".encode("latin-1"), "not UTF-8 text"),
        ("plates.csv", b"ABC1," + b"x" * MAX_BYTES, "at most 1,024 KiB"),
        ("plates.csv", "\n".join(f"P{n:05d}" for n in range(MAX_LINES + 1)).encode(), "10,001 plate lines"),
        ("plates.csv", b'ABC1,"unclosed\n', "not valid CSV"),
    ],
)
def test_bad_files_get_a_clear_message_and_nothing_is_written(
    editor_client, watchlist, name, content, message
):
    response = _preview(editor_client, watchlist, upload=SimpleUploadedFile(name, content))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].non_field_errors())
    assert "plan" not in response.context
    assert _plates(watchlist) == {"LIVE1"}


def test_pasting_and_uploading_at_once_or_neither_is_a_form_error(editor_client, watchlist):
    both = _preview(editor_client, watchlist, text="A1", upload=SimpleUploadedFile("a.csv", b"B1"))
    assert "not both" in " ".join(both.context["form"].non_field_errors())
    neither = _preview(editor_client, watchlist, text="  ")
    assert "Paste a list of plates or choose a CSV file." in neither.context["form"].non_field_errors()
