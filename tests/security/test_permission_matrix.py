"""Which staff role may use which page and action: one row per URL and method, one column per role."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from chaverim_admin import roles
from holds.models import Hold
from partitions.models import MaintenanceRun
from tests.factories import CollectorFactory, UserFactory, WatchlistEntryFactory
from tests.security.urlwalk import walk_urls
from watchlists.services import watchlist_entry_soft_delete, watchlist_soft_delete

pytestmark = pytest.mark.django_db

SUPERUSER = "superuser"
NO_GROUP = "staff, no group"
NOT_STAFF = "active, not staff"  # a logged-in account without staff status: refused every page
ROLES = [
    SUPERUSER,
    roles.OPERATIONS,
    roles.WATCHLIST_EDITORS,
    roles.COLLECTOR_ADMINS,
    roles.AUDITORS,
    roles.LEGAL,
    NO_GROUP,
    NOT_STAFF,
]

ANY_STAFF = None  # any logged-in staff member

# (URL name, method) -> the permission it needs. Every URL of the site's own apps must appear here: a test
# below fails when a new URL is added without saying who may use it.
MATRIX = {
    ("home", "GET"): ANY_STAFF,
    ("events:search", "GET"): ANY_STAFF,
    ("events:access_log", "GET"): "events.view_access_log",
    ("alerts:list", "GET"): "alerts.view_alert",
    ("alerts:acknowledge", "POST"): "alerts.acknowledge_alert",
    ("events:access_log_export", "GET"): "events.view_access_log",
    ("watchlists:list", "GET"): "watchlists.view_watchlist",
    ("watchlists:detail", "GET"): "watchlists.view_watchlist",
    ("watchlists:delete", "GET"): "watchlists.delete_watchlist",  # the confirmation page
    ("watchlists:delete", "POST"): "watchlists.delete_watchlist",
    ("watchlists:restore", "POST"): "watchlists.restore_watchlist",
    ("watchlists:entry_delete", "GET"): "watchlists.delete_watchlistentry",  # the confirmation page
    ("watchlists:entry_delete", "POST"): "watchlists.delete_watchlistentry",
    ("watchlists:entry_restore", "POST"): "watchlists.restore_watchlist",
    ("watchlists:create", "GET"): "watchlists.add_watchlist",
    ("watchlists:create", "POST"): "watchlists.add_watchlist",
    ("watchlists:edit", "GET"): "watchlists.change_watchlist",
    ("watchlists:edit", "POST"): "watchlists.change_watchlist",
    ("watchlists:entry_add", "GET"): "watchlists.add_watchlistentry",
    ("watchlists:entry_add", "POST"): "watchlists.add_watchlistentry",
    ("watchlists:entry_edit", "GET"): "watchlists.change_watchlistentry",
    ("watchlists:entry_edit", "POST"): "watchlists.change_watchlistentry",
    ("watchlists:import", "GET"): "watchlists.add_watchlistentry",  # preview, then apply: both POST
    ("watchlists:import", "POST"): "watchlists.add_watchlistentry",
    ("collectors:list", "GET"): "collectors.view_collector",
    ("collectors:edit", "GET"): "collectors.change_collector",
    ("collectors:edit", "POST"): "collectors.change_collector",
    ("partitions:status", "GET"): "partitions.view_partitions",
    ("partitions:status_json", "GET"): "partitions.view_partitions",
    ("partitions:plan", "GET"): "partitions.view_partitions",
    ("partitions:run_now", "POST"): "partitions.run_maintenance",
    ("partitions:run", "GET"): "partitions.view_partitions",
    ("holds:list", "GET"): "holds.view_hold",
    ("holds:create", "GET"): "holds.add_hold",
    ("holds:create", "POST"): "holds.add_hold",
    ("holds:detail", "GET"): "holds.view_hold",
    ("holds:release", "POST"): "holds.release_hold",
}

# Not the site's own pages: the login/logout forms, the probes, the metrics (a token or an address, never a
# session: tests/core/test_metrics.py), the favicon and Django's admin (which checks its own).
OUTSIDE_MATRIX_PREFIXES = ("admin:", "admin/")
OUTSIDE_MATRIX = {"login", "logout", "healthz", "readyz", "metrics", "favicon"}

ROUTES = {url.name: url.route for url in walk_urls()}
WALKED_NAMES = set(ROUTES)
LIVE_ROWS = [key for key in MATRIX if key[0] in WALKED_NAMES]


def role_may(role: str, permission: str | None) -> bool:
    if role == NOT_STAFF:
        return False
    if role == SUPERUSER or permission is ANY_STAFF:
        return True
    return role != NO_GROUP and permission in roles.GROUP_PERMISSIONS[role]


def _user(role: str):
    if role == SUPERUSER:
        return UserFactory(is_superuser=True)
    if role == NO_GROUP:
        return UserFactory()
    if role == NOT_STAFF:
        # Even with a group's permissions: staff status is what lets anyone in.
        return UserFactory(is_staff=False, groups=[roles.OPERATIONS, roles.WATCHLIST_EDITORS])
    return UserFactory(groups=[role])


def _path(name: str) -> str:
    """Reverse the URL with real objects in the state its action expects."""
    kwargs = {}
    if name.startswith("watchlists:"):
        entry = WatchlistEntryFactory()
        if name == "watchlists:restore":
            watchlist_soft_delete(watchlist_id=entry.watchlist_id, actor=None)
        if name == "watchlists:entry_restore":
            watchlist_entry_soft_delete(entry_id=entry.pk, watchlist_id=entry.watchlist_id, actor=None)
        kwargs = {"pk": entry.watchlist_id, "entry_id": entry.pk}
    elif name.startswith("collectors:"):
        kwargs = {"pk": CollectorFactory().pk}
    elif name.startswith("holds:"):
        now = timezone.now()
        hold = Hold.objects.create(
            case_number="2026-0001",
            reason="matrix",
            plate_number="ABC123",
            starts_at=now - dt.timedelta(days=1),
            ends_at=now,
            placed_by=UserFactory(),
            placed_at=now,
        )
        kwargs = {"pk": hold.pk}
    elif name == "partitions:run":
        started = timezone.now()
        run = MaintenanceRun.objects.create(
            trigger=MaintenanceRun.Trigger.CLI,
            started_at=started,
            finished_at=started,
            status=MaintenanceRun.Status.SUCCESS,
        )
        kwargs = {"pk": run.pk}
    params = set(re.findall(r"<(?:\w+:)?(\w+)>", ROUTES[name]))
    return reverse(name, kwargs={key: value for key, value in kwargs.items() if key in params})


def test_every_page_of_the_site_is_in_the_matrix():
    own = {
        name
        for name in WALKED_NAMES
        if not name.startswith(OUTSIDE_MATRIX_PREFIXES) and name not in OUTSIDE_MATRIX
    }

    assert own - {name for name, _method in MATRIX} == set()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "method"), LIVE_ROWS, ids=[f"{m} {n}" for n, m in LIVE_ROWS])
def test_permission_matrix(client, name, method, role):
    client.force_login(_user(role))
    path = _path(name)

    response = client.get(path) if method == "GET" else client.post(path, {})

    if role_may(role, MATRIX[name, method]):
        assert response.status_code not in {403, 404, 405}, f"{role} should be able to {method} {path}"
        assert not response.get("Location", "").startswith("/accounts/login/")
    else:
        assert response.status_code == 403, f"{role} should be refused {method} {path}"


def test_no_group_staff_member_can_still_reach_the_admin_index_but_no_model(client):
    client.force_login(_user(NO_GROUP))

    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/collectors/collector/").status_code == 403


def test_an_active_user_without_staff_status_sees_no_page_and_no_detection_but_may_log_out(client):
    client.force_login(UserFactory(is_staff=False))

    assert client.get(reverse("events:search")).status_code == 403
    assert client.get("/admin/").status_code in {302, 403}
    assert client.post(reverse("logout")).status_code == 302
