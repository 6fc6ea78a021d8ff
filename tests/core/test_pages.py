"""The site's frame on every page: styled 403, 404 and 405 pages with the nav and a way back, the favicon, the
current page marked in the nav, messages announced; and the home page's summary for each job."""

import datetime as dt
import uuid

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from collectors.services import collector_update
from partitions.models import MaintenanceRun
from partitions.services import partitions_apply
from tests.factories import CollectorFactory, UserFactory, WatchlistFactory
from tests.support.partitions import drop_partitions
from watchlists.services import watchlist_soft_delete

pytestmark = pytest.mark.django_db


def logged_in(client, **user):
    client.force_login(UserFactory(**user))
    return client


def main_of(response) -> str:
    html = response.content.decode()
    return html[html.index("<main>") : html.index("</main>")]


def test_403_is_a_page_of_the_site_naming_the_address_with_the_nav_and_a_way_home(client):
    response = logged_in(client, username="ops", groups=["Operations"]).get("/watchlists/")

    assert response.status_code == 403
    html = response.content.decode()
    assert '<nav aria-label="Main">' in html
    assert 'href="/partitions/">Partitions</a>' in html
    assert "Log out" in html
    assert "You do not have access to this page" in main_of(response)
    assert "<code>/watchlists/</code>" in main_of(response)
    assert '<a class="button primary" href="/">Go to the home page</a>' in main_of(response)


def test_404_is_a_page_of_the_site_with_the_nav_and_a_way_home(client):
    response = logged_in(client).get(f"/watchlists/{uuid.uuid4()}/nothing/")

    assert response.status_code == 404
    assert "Page not found" in main_of(response)
    assert '<nav aria-label="Main">' in response.content.decode()
    assert 'href="/">Go to the home page</a>' in main_of(response)


def test_a_link_to_an_address_that_only_takes_a_form_gets_a_405_page_saying_nothing_changed(client):
    response = logged_in(client, groups=["Operations"]).get("/partitions/run/")

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "This cannot be done from a link" in main_of(response)
    assert "Nothing was changed" in main_of(response)
    assert '<nav aria-label="Main">' in response.content.decode()
    assert not MaintenanceRun.objects.exists()


def test_a_form_sent_to_a_read_only_page_gets_a_405_page_too(client):
    response = logged_in(client, groups=["Operations"]).post("/partitions/")

    assert response.status_code == 405
    assert "This page can only be opened" in main_of(response)


def test_the_favicon_is_linked_from_every_page_and_favicon_ico_leads_to_it_without_a_login(client):
    assert 'rel="icon" href="/static/favicon.svg"' in client.get("/accounts/login/").content.decode()

    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.svg"
    assert client.get("/static/favicon.svg").status_code == 200


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/", "Home"),
        ("/events/", "Events"),
        ("/partitions/", "Partitions"),
        ("/partitions/plan/", "Partitions"),
    ],
)
def test_the_nav_marks_the_current_section_and_only_it(client, path, current):
    html = logged_in(client, is_superuser=True).get(path).content.decode()

    nav = html[html.index('<nav aria-label="Main">') : html.index("</nav>")]
    assert nav.count('aria-current="page"') == 1
    assert f'aria-current="page">{current}</a>' in nav


def test_messages_are_announced_as_a_status(client):
    client = logged_in(client, groups=["Watchlist editors"])
    watchlist = WatchlistFactory(name="Alpha")

    response = client.post(f"/watchlists/{watchlist.pk}/delete/", follow=True)

    assert '<ul class="messages" role="status">' in response.content.decode()


# --- home ------------------------------------------------------------------------------------------------


def test_home_shows_ops_the_partition_verdict(transactional_db, client, clean_platform_tables):
    drop_partitions()
    try:
        partitions_apply(trigger=MaintenanceRun.Trigger.CLI)
        html = main_of(logged_in(client, groups=["Operations"]).get("/"))
    finally:
        drop_partitions()

    assert 'href="/partitions/">Partitions</a>' in html
    assert "Ingestion is safe: alert_queue covered through" in html
    assert "; events and audit_log covered through" in html
    assert "Watchlists" not in html
    assert "Collectors" not in html


def test_home_shows_editors_the_count_of_active_and_deleted_watchlists(client):
    for name in ("Alpha", "Bravo", "Charlie"):
        WatchlistFactory(name=name)
    watchlist_soft_delete(watchlist_id=WatchlistFactory(name="Delta").pk, actor=None)

    html = main_of(logged_in(client, groups=["Watchlist editors"]).get("/"))

    assert "<strong>3</strong> active" in html
    assert "<strong>1</strong> deleted" in html
    assert "Ingestion" not in html


def test_home_shows_collector_admins_the_collectors_edited_lately_newest_first(client):
    CollectorFactory(site_name="Alpha Gate", updated_at=timezone.now() - dt.timedelta(days=2))
    newer = CollectorFactory(site_name="Zulu Road", updated_at=timezone.now() - dt.timedelta(days=3))
    collector_update(collector_id=newer.pk, expected_version=1, changes={"config": {"fps": 30}})

    html = main_of(logged_in(client, groups=["Collector admins"]).get("/"))

    assert f'<a href="/collectors/{newer.pk}/edit/">Zulu Road</a>' in html
    assert html.index("Zulu Road") < html.index("Alpha Gate")
    assert "version 2" in html
    assert "2\xa0days ago" in html  # timesince keeps the number and its unit together


def test_home_shows_a_user_without_a_group_only_what_everyone_may_use(client, django_assert_max_num_queries):
    client = logged_in(client)
    with django_assert_max_num_queries(8):
        html = main_of(client.get("/"))

    assert 'href="/events/">Events</a>' in html
    for other in ("Partitions", "Watchlists", "Collectors"):
        assert other not in html


def test_a_viewer_of_collectors_sees_them_without_edit_links(client):
    viewer = UserFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_collector"))
    CollectorFactory(site_name="North Gate", updated_at=timezone.now())
    client.force_login(viewer)

    html = main_of(client.get("/"))

    assert "North Gate" in html
    assert "/edit/" not in html
