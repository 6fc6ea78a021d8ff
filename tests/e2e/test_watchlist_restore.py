import pytest

from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, UserFactory, WatchlistEntryFactory, WatchlistFactory
from watchlists.models import Watchlist, WatchlistEntry

pytestmark = pytest.mark.usefixtures("clean_platform_tables")


def _row(page, text):
    return page.locator("tbody tr", has_text=text)


def test_editor_deletes_a_watchlist_and_restores_it_with_the_entries_deleted_with_it(page):
    UserFactory(username="editor", groups=["Watchlist editors"])
    watchlist = WatchlistFactory(name="Stolen vehicles")
    for plate in ("KEEP001", "KEEP002", "GONE003"):
        WatchlistEntryFactory(watchlist=watchlist, plate_number=plate)
    WatchlistFactory(name="Unrelated list")
    log_in(page, "editor", PASSWORD)

    # First one plate is deleted on its own, from the watchlist's page: Delete asks to confirm first.
    page.goto(f"/watchlists/{watchlist.pk}/")
    page.get_by_role("link", name="Delete plate GONE003").click()
    assert "Delete the plate GONE003 from “Stolen vehicles”?" in page.locator("h1").inner_text()
    assert "It can be restored" in page.locator("main").inner_text()
    page.get_by_role("button", name="Delete the plate GONE003").click()
    assert "Deleted the plate GONE003" in page.locator(".messages").inner_text()
    assert page.url.endswith(f"/watchlists/{watchlist.pk}/")

    # Cancel on the confirmation leaves the watchlist alone.
    page.goto("/watchlists/")
    page.get_by_role("link", name="Delete watchlist Stolen vehicles").click()
    assert "Its 2 active entries are deleted with it" in page.locator("main").inner_text()
    page.get_by_role("link", name="Cancel").click()
    assert page.url.endswith("/watchlists/")
    assert not Watchlist.all_objects.get(pk=watchlist.pk).is_deleted

    # Then the whole watchlist, from the list page.
    page.get_by_role("link", name="Delete watchlist Stolen vehicles").click()
    page.get_by_role("button", name="Delete “Stolen vehicles”").click()
    assert (
        "Deleted the watchlist “Stolen vehicles” and 2 active entries"
        in page.locator(".messages").inner_text()
    )
    assert _row(page, "Stolen vehicles").count() == 0
    assert _row(page, "Unrelated list").count() == 1

    # The Deleted view shows it; Restore brings it back.
    page.select_option("select[name=status]", "deleted")
    page.get_by_role("button", name="Filter").click()
    assert _row(page, "Unrelated list").count() == 0
    page.get_by_role("button", name="Restore watchlist Stolen vehicles").click()
    assert "Restored the watchlist “Stolen vehicles” with 2 entries" in page.locator(".messages").inner_text()

    page.goto("/watchlists/")
    _row(page, "Stolen vehicles").get_by_role("link", name="Stolen vehicles", exact=True).click()
    entries = page.locator("tbody").inner_text()
    assert "KEEP001" in entries
    assert "KEEP002" in entries
    assert "GONE003" not in entries
    assert not Watchlist.all_objects.get(pk=watchlist.pk).is_deleted
    active = set(WatchlistEntry.objects.filter(watchlist=watchlist).values_list("plate_number", flat=True))
    assert active == {"KEEP001", "KEEP002"}
