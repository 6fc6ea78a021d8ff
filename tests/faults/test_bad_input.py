"""Random and hostile input to every form and query parameter: form errors or 404, never a 500."""

import json
import re
import uuid

import pytest
from django.test import Client
from django.utils.http import url_has_allowed_host_and_scheme
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collectors.models import Collector
from tests.factories import CollectorFactory, UserFactory, WatchlistEntryFactory, insert_events
from watchlists.models import Watchlist, WatchlistEntry

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

HOSTILE = [
    "",
    " ",
    "\x00",
    "\t\r\n",
    "A" * 5000,
    "'; DROP TABLE watchlists; --",
    '"><script>alert(1)</script>',
    "../../etc/passwd",
    "\u202eABC123",
    "🚗🚓",
    "\uff21\uff22\uff23\uff11\uff12\uff13",  # full-width ABC123
    "null",
    "{}",
    "[]",
    "NaN",
    "1e999",
    "-1",
    "0",
    "99999999999999999999",
    "2026-02-30",
    "0001-01-01",
    "9999-12-31T23:59:59",
    "2026-11-28T25:61",
    "not-a-uuid",
    "00000000-0000-0000-0000-000000000000",
    "%00",
    "*",
    "ABC*",
    "-name",
]

# Any text the test client can encode (no lone surrogates), plus the hand-picked hostile values.
text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=120),
)
maybe = st.one_of(st.none(), text)


def _params(**fields) -> dict[str, str]:
    return {name: value for name, value in fields.items() if value is not None}


@pytest.fixture
def superuser_client():
    client = Client()
    client.force_login(UserFactory(is_superuser=True))
    return client


def _row(model, pk) -> dict:
    return (
        model.all_objects.filter(pk=pk).values().get()
        if hasattr(model, "all_objects")
        else (model.objects.filter(pk=pk).values().get())
    )


# --- Query parameters -------------------------------------------------------------------------------------


@FUZZ
@given(q=maybe, status=maybe, sort=maybe, page=maybe, per_page=maybe)
def test_watchlist_list_parameters_never_fail(superuser_client, q, status, sort, page, per_page):
    response = superuser_client.get("/watchlists/", _params(q=q, status=status, sort=sort, page=page))

    assert response.status_code in {200, 404}


@FUZZ
@given(status=maybe, sort=maybe, page=maybe)
def test_watchlist_detail_parameters_never_fail(superuser_client, status, sort, page):
    entry = WatchlistEntryFactory()

    response = superuser_client.get(
        f"/watchlists/{entry.watchlist_id}/", _params(status=status, sort=sort, page=page)
    )

    assert response.status_code in {200, 404}


@FUZZ
@given(q=maybe, sort=maybe, page=maybe)
def test_collector_list_parameters_never_fail(superuser_client, q, sort, page):
    response = superuser_client.get("/collectors/", _params(q=q, sort=sort, page=page))

    assert response.status_code in {200, 404}


@FUZZ
@given(
    plate=maybe,
    collector=st.one_of(st.none(), text, st.uuids().map(str)),
    start=st.one_of(maybe, st.datetimes().map(lambda d: d.isoformat()), st.dates().map(str)),
    end=st.one_of(maybe, st.datetimes().map(lambda d: d.isoformat()), st.dates().map(str)),
    cursor=maybe,
)
def test_events_search_parameters_never_fail(superuser_client, plate, collector, start, end, cursor):
    response = superuser_client.get(
        "/events/", _params(plate=plate, collector=collector, start=start, end=end, cursor=cursor)
    )

    assert response.status_code == 200


def test_events_search_with_data_and_hostile_parameters(superuser_client):
    collector = CollectorFactory()
    insert_events(collector_id=collector.id, plate_number="ABC123")
    for value in HOSTILE:
        for name in ("plate", "collector", "start", "end", "cursor"):
            response = superuser_client.get("/events/", {name: value})
            assert response.status_code == 200, (name, value)


# --- Paths ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/watchlists/not-a-uuid/",
        "/watchlists/00000000-0000-0000-0000-00000000000/",
        "/watchlists/%00/",
        f"/watchlists/{uuid.uuid4()}/",
        "/collectors/x/edit/",
        f"/collectors/{uuid.uuid4()}/edit/",
        "/events/../../admin/",
    ],
)
def test_malformed_or_unknown_ids_answer_404(superuser_client, path):
    assert superuser_client.get(path).status_code == 404


@pytest.mark.parametrize("action", ["delete", "restore"])
def test_actions_on_unknown_ids_answer_404(superuser_client, action):
    watchlist = WatchlistEntryFactory().watchlist

    assert superuser_client.post(f"/watchlists/{uuid.uuid4()}/{action}/").status_code == 404
    assert (
        superuser_client.post(f"/watchlists/{watchlist.pk}/entries/{uuid.uuid4()}/{action}/").status_code
        == 404
    )
    assert superuser_client.post(f"/watchlists/not-a-uuid/{action}/").status_code == 404


# --- Forms ------------------------------------------------------------------------------------------------


@FUZZ
@given(username=text, password=text)
def test_login_form_never_fails_and_never_logs_in_on_garbage(username, password):
    UserFactory(username="dana")
    client = Client()

    response = client.post("/accounts/login/", {"username": username, "password": password})

    assert response.status_code in {200, 429}
    assert "_auth_user_id" not in client.session


@FUZZ
@given(
    action=st.sampled_from(["delete", "restore"]),
    target=st.sampled_from(["real", "unknown"]),
    next_url=maybe,
)
def test_watchlist_actions_never_fail_and_unknown_targets_change_nothing(
    superuser_client, action, target, next_url
):
    entry = WatchlistEntryFactory()
    pk = entry.watchlist_id if target == "real" else uuid.uuid4()
    before = list(Watchlist.all_objects.order_by("pk").values())

    response = superuser_client.post(f"/watchlists/{pk}/{action}/", _params(next=next_url))

    if target == "unknown":
        assert response.status_code == 404
        assert list(Watchlist.all_objects.order_by("pk").values()) == before
    else:
        assert response.status_code == 302
        # Back to this site only, never an open redirect to another.
        assert url_has_allowed_host_and_scheme(response["Location"], allowed_hosts={"testserver"})


@FUZZ
@given(action=st.sampled_from(["delete", "restore"]), next_url=maybe, entry_target=st.booleans())
def test_watchlist_entry_actions_never_fail(superuser_client, action, next_url, entry_target):
    entry = WatchlistEntryFactory()
    entry_id = entry.pk if entry_target else uuid.uuid4()
    before = list(WatchlistEntry.all_objects.order_by("pk").values())

    response = superuser_client.post(
        f"/watchlists/{entry.watchlist_id}/entries/{entry_id}/{action}/", _params(next=next_url)
    )

    assert response.status_code in {302, 404}
    if response.status_code == 404:
        assert list(WatchlistEntry.all_objects.order_by("pk").values()) == before


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


@FUZZ
@given(
    site_name=maybe,
    config=st.one_of(maybe, json_values.map(json.dumps)),
    is_active=st.one_of(st.none(), st.sampled_from(["on", "true", "false", ""]), text),
    config_version=st.one_of(maybe, st.integers(min_value=-(2**63), max_value=2**63).map(str)),
    loaded=st.one_of(maybe, json_values.map(json.dumps)),
)
def test_collector_edit_never_fails_and_invalid_input_changes_nothing(
    superuser_client, site_name, config, is_active, config_version, loaded
):
    collector = CollectorFactory()
    before = Collector.objects.filter(pk=collector.pk).values().get()

    response = superuser_client.post(
        f"/collectors/{collector.pk}/edit/",
        _params(
            site_name=site_name,
            config=config,
            is_active=is_active,
            config_version=config_version,
            loaded=loaded,
        ),
    )

    assert response.status_code in {200, 302, 409}
    after = Collector.objects.filter(pk=collector.pk).values().get()
    if response.status_code == 302:
        assert after["config_version"] == before["config_version"] + 1
    else:
        assert after == before


@FUZZ
@given(params=st.dictionaries(st.sampled_from(["events-sort", "audit_log-sort", "sort", "page", "x"]), text))
def test_partition_pages_parameters_never_fail(superuser_client, params):
    for path in ["/partitions/", "/partitions/plan/", "/partitions/status.json"]:
        assert superuser_client.get(path, params).status_code == 200, path


@pytest.mark.parametrize("run_id", ["0", "1", "2147483648", "9223372036854775808", "99999999999999999999999"])
def test_unknown_or_huge_maintenance_run_ids_answer_404(superuser_client, run_id):
    assert superuser_client.get(f"/partitions/runs/{run_id}/").status_code == 404


@FUZZ
@given(data=st.dictionaries(text, text, max_size=4))
def test_run_now_ignores_whatever_it_is_posted(superuser_client, data):
    response = superuser_client.post("/partitions/run/", data)

    # Queued, or refused because a run is already queued: either way to a page of ours, never a 500.
    assert response.status_code == 302
    assert re.fullmatch(r"/partitions/(runs/\d+/)?", response["Location"])


ADMIN_CHANGELISTS = [
    "/admin/watchlists/watchlist/",
    "/admin/watchlists/watchlistentry/",
    "/admin/collectors/collector/",
    "/admin/partitions/maintenancerun/",
]


@FUZZ
@given(
    params=st.dictionaries(st.sampled_from(["q", "o", "p", "status", "is_active__exact", "all", "e"]), text)
)
def test_admin_changelist_parameters_never_fail(superuser_client, params):
    for path in ADMIN_CHANGELISTS:
        # The admin answers odd parameters with a redirect to ?e=1, bad pages with 404.
        assert superuser_client.get(path, params).status_code in {200, 302, 404}, path


@FUZZ
@given(
    site_name=maybe,
    config=st.one_of(maybe, json_values.map(json.dumps)),
    config_version=st.one_of(maybe, st.integers(min_value=-(2**63), max_value=2**63).map(str)),
)
def test_collector_admin_form_never_fails_and_invalid_input_changes_nothing(
    superuser_client, site_name, config, config_version
):
    collector = CollectorFactory()
    before = Collector.objects.filter(pk=collector.pk).values().get()

    response = superuser_client.post(
        f"/admin/collectors/collector/{collector.pk}/change/",
        _params(site_name=site_name, config=config, config_version=config_version, _save="Save"),
    )

    assert response.status_code in {200, 302}
    after = Collector.objects.filter(pk=collector.pk).values().get()
    if response.status_code == 200:
        assert after == before
    else:
        assert after["config_version"] == before["config_version"] + 1
