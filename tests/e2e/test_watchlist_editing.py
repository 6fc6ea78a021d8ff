import pytest

from core.models import AuditLog
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, UserFactory, WatchlistEntryFactory, WatchlistFactory
from watchlists.models import WatchlistEntry

pytestmark = pytest.mark.usefixtures("clean_platform_tables")

CONFLICT = "This watchlist entry was modified by another request"
HOTLIST = "plate,reason\nabc-123,Stolen 2026-11-02\nXYZ987\nABC 123,seen again\nAB#12,typo\nLIVE1\n"


def test_editor_imports_a_hotlist_with_a_duplicate_and_an_invalid_line(page):
    UserFactory(username="editor", groups=["Watchlist editors"])
    watchlist = WatchlistFactory(name="Stolen vehicles")
    WatchlistEntryFactory(watchlist=watchlist, plate_number="LIVE1")
    log_in(page, "editor", PASSWORD)

    page.goto(f"/watchlists/{watchlist.pk}/")
    page.get_by_role("link", name="Import a hotlist").click()
    page.fill("#id_text", HOTLIST)
    page.get_by_role("button", name="Preview").click()

    preview = page.locator(".import-preview")
    assert "Duplicates, skipped" in preview.inner_text()
    invalid = preview.locator("details", has_text="Invalid lines").locator("tbody tr")
    assert invalid.count() == 1
    assert invalid.first.locator("td").first.inner_text() == "5"  # the line number, header included
    assert "not a plate" in invalid.first.inner_text()
    assert not WatchlistEntry.objects.filter(plate_number="ABC123").exists()  # a preview writes nothing

    page.get_by_role("button", name="Import 2 plates").click()

    message = page.locator(".messages").inner_text()
    assert "2 plates added" in message
    assert "1 duplicate" in message and "1 invalid line" in message
    active = set(WatchlistEntry.objects.filter(watchlist=watchlist).values_list("plate_number", flat=True))
    assert active == {"LIVE1", "ABC123", "XYZ987"}
    assert WatchlistEntry.objects.get(plate_number="ABC123").reason == "Stolen 2026-11-02"
    assert AuditLog.objects.filter(action="watchlist.import").count() == 1
    assert "ABC123" in page.locator("tbody").inner_text()  # back on the watchlist's page


def test_second_editor_resolves_an_entry_edit_conflict_keeping_both_changes(new_context):
    UserFactory(username="first", groups=["Watchlist editors"])
    UserFactory(username="second", groups=["Watchlist editors"])
    entry = WatchlistEntryFactory(plate_number="ABC123", reason="Reported")
    first, second = new_context().new_page(), new_context().new_page()
    log_in(first, "first", PASSWORD)
    log_in(second, "second", PASSWORD)
    for page in (first, second):
        page.goto(f"/watchlists/{entry.watchlist_id}/")
        page.get_by_role("link", name="Edit plate ABC123").click()

    first.fill("#id_plate_number", "abc-124")
    first.get_by_role("button", name="Save").click()
    assert "Saved the plate ABC124 (now version 2)" in first.locator(".messages").inner_text()

    second.fill("#id_reason", "Stolen on 2 November")
    second.get_by_role("button", name="Save").click()

    alert = second.get_by_role("alert")
    assert CONFLICT in alert.inner_text()
    assert "ABC124" in alert.inner_text()  # what is there now
    assert second.input_value("#id_reason") == "Stolen on 2 November"  # their input, kept
    assert second.input_value("#id_plate_number") == "ABC124"  # the other's change, kept
    assert WatchlistEntry.objects.get(pk=entry.pk).reason == "Reported"

    second.get_by_role("button", name="Apply my changes on top of the latest version").click()

    assert "now version 3" in second.locator(".messages").inner_text()
    saved = WatchlistEntry.objects.get(pk=entry.pk)
    assert (saved.plate_number, saved.reason, saved.version) == ("ABC124", "Stolen on 2 November", 3)
