import pytest
from django.contrib.auth.models import Permission

from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, CollectorFactory, UserFactory, WatchlistFactory
from watchlists.models import Watchlist

pytestmark = pytest.mark.usefixtures("clean_platform_tables")


def test_user_without_permission_sees_no_buttons_and_gets_403_on_the_url(page):
    UserFactory(username="ops", groups=["Operations"])
    watchlist = WatchlistFactory(name="Stolen vehicles")
    collector = CollectorFactory(site_name="North gate")
    log_in(page, "ops", PASSWORD)

    nav = page.locator("header.site nav").inner_text()
    assert "Watchlists" not in nav
    assert "Collectors" not in nav

    for path in [
        "/watchlists/",
        f"/watchlists/{watchlist.pk}/",
        "/collectors/",
        f"/collectors/{collector.pk}/edit/",
    ]:
        response = page.goto(path)
        assert response.status == 403, path


def test_viewer_without_delete_or_edit_rights_sees_no_action_buttons(page):
    viewer = UserFactory(username="viewer")
    viewer.user_permissions.add(
        Permission.objects.get(codename="view_watchlist"), Permission.objects.get(codename="view_collector")
    )
    watchlist = WatchlistFactory(name="Stolen vehicles")
    collector = CollectorFactory(site_name="North gate")
    log_in(page, "viewer", PASSWORD)

    page.goto("/watchlists/")
    row = page.locator("tbody tr", has_text="Stolen vehicles")
    assert row.count() == 1
    assert row.get_by_role("button").count() == 0
    page.goto("/collectors/")
    assert page.locator("tbody tr", has_text="North gate").count() == 1
    assert page.locator(f"a[href='/collectors/{collector.pk}/edit/']").count() == 0

    assert page.goto(f"/collectors/{collector.pk}/edit/").status == 403
    # A hand-made POST with a valid CSRF token is refused too.
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    answer = page.request.post(
        f"/watchlists/{watchlist.pk}/delete/",
        form={"csrfmiddlewaretoken": token},
        headers={"Referer": page.url},
    )
    assert answer.status == 403
    assert "CSRF" not in answer.text()  # refused for want of permission, not for the token
    assert not Watchlist.all_objects.get(pk=watchlist.pk).is_deleted


def test_partitions_viewer_without_run_permission_sees_no_run_button_and_is_refused(page):
    viewer = UserFactory(username="auditor")
    viewer.user_permissions.add(
        Permission.objects.get(codename="view_partitions"),
        Permission.objects.get(codename="view_maintenancerun"),
    )
    UserFactory(username="editor", groups=["Watchlist editors"])
    log_in(page, "auditor", PASSWORD)

    assert page.goto("/partitions/").status == 200
    assert page.get_by_role("link", name="Preview plan").count() == 1
    assert page.get_by_role("button", name="Run now").count() == 0
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    answer = page.request.post(
        "/partitions/run/", form={"csrfmiddlewaretoken": token}, headers={"Referer": page.url}
    )
    assert answer.status == 403
    assert "CSRF" not in answer.text()

    page.get_by_role("button", name="Log out").click()
    log_in(page, "editor", PASSWORD)
    assert "Partitions" not in page.locator("header.site nav").inner_text()
    assert page.goto("/partitions/").status == 403
