"""/audit/: the search access log for Auditors: filtered, keyset pages, a CSV export, and itself recorded."""

import csv
import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from psycopg.types.json import Jsonb

from core.models import AuditLog
from events.access_log import plate_search_keys
from tests.factories import CollectorFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def auditor_client(client):
    client.force_login(UserFactory(username="auditor", groups=["Auditors"]))
    return client


def record_search(
    *,
    user=None,
    username: str = "someone",
    plate: str | None = "ABC123",
    prefix: bool = False,
    case_number: str | None = None,
    purpose: str = "Routine check",
    ago: dt.timedelta = dt.timedelta(hours=1),
    collector=None,
) -> None:
    """Write an events.search row as the search page does, at a chosen time in the past."""
    when = NOW - ago
    details = {
        "username": user.username if user else username,
        "address": "192.0.2.10",
        "plate": plate,
        "plate_match": None if plate is None else "prefix" if prefix else "exact",
        "collector": str(collector.pk) if collector else None,
        "from": (when - dt.timedelta(days=7)).isoformat(),
        "to": when.isoformat(),
        "purpose": purpose,
        "case_number": case_number,
        "page": "first",
        "rows": 3,
    }
    object_id = "" if plate is None else plate + ("*" if prefix else "")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_log (occurred_at, actor_id, action, object_type, object_id, details) "
            "VALUES (%s, %s, 'events.search', 'events', %s, %s)",
            [when, user.pk if user else None, object_id, Jsonb(details)],
        )


def shown(response) -> list[str]:
    return [entry.purpose for entry in response.context["page"].entries]


def looks() -> list[AuditLog]:
    return list(
        AuditLog.objects.filter(action__in=["events.access_log_view", "events.access_log_export"]).order_by(
            "chain_position"
        )
    )


# --- who may look --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ({"groups": ["Auditors"]}, 200),
        ({"is_superuser": True}, 200),
        ({}, 403),
        ({"groups": ["Operations", "Watchlist editors", "Collector admins"]}, 403),
    ],
)
@pytest.mark.parametrize("path", ["/audit/", "/audit/export.csv"])
def test_only_auditors_and_superusers_may_read_the_access_log(client, user, status, path):
    client.force_login(UserFactory(**user))
    response = client.get(path)
    assert response.status_code == status
    if path == "/audit/":
        nav = re.search(r"<nav[^>]*>.*?</nav>", client.get("/").content.decode(), re.S).group(0)
        assert ('href="/audit/"' in nav) is (status == 200)


def test_the_access_log_needs_a_login(client):
    response = client.get("/audit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- filters -------------------------------------------------------------------------------------------


def test_the_last_30_days_of_searches_are_shown_newest_first_with_what_each_recorded(auditor_client):
    collector = CollectorFactory(site_name="East Gate")
    record_search(purpose="old", ago=dt.timedelta(days=31))
    record_search(purpose="older", ago=dt.timedelta(days=2), case_number="CASE-1", collector=collector)
    record_search(purpose="newer", ago=dt.timedelta(hours=2), prefix=True, plate="ABC")

    response = auditor_client.get("/audit/")

    assert shown(response) == ["newer", "older"]
    html = response.content.decode()
    for text in ("ABC*", "ABC123", "CASE-1", "East Gate", "192.0.2.10", "someone"):
        assert text in html


def test_filter_by_user_plate_case_number_and_window(auditor_client):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    record_search(user=alice, purpose="alice exact", plate="XYZ789", case_number="C-1")
    record_search(user=alice, purpose="alice prefix", plate="XY", prefix=True)
    record_search(user=bob, purpose="bob other plate", plate="QQQ111", case_number="C-1")
    record_search(user=bob, purpose="bob last week", plate="XYZ789", ago=dt.timedelta(days=8))
    record_search(user=bob, purpose="bob no plate", plate=None)

    def purposes(**params):
        return sorted(shown(auditor_client.get("/audit/", params)))

    assert purposes(username="ALICE") == ["alice exact", "alice prefix"]
    # Searches that could have shown the plate: for it, or for a prefix of it.
    assert purposes(plate="xyz-789") == ["alice exact", "alice prefix", "bob last week"]
    assert purposes(case_number="C-1") == ["alice exact", "bob other plate"]
    week_ago = (NOW - dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%S")
    assert purposes(plate="XYZ789", start=week_ago) == ["alice exact", "alice prefix"]
    assert purposes(username="nobody") == []


def test_plate_search_keys_are_the_plate_and_each_of_its_prefixes():
    assert plate_search_keys("AB1") == ["AB1", "A*", "AB*", "AB1*"]


@pytest.mark.parametrize(
    "params",
    [
        {"start": "yesterday"},
        {"end": "2026-02-30"},
        {"start": "2026-11-10", "end": "2026-11-01"},
        {"plate": "AB_12"},
        {"plate": "A" * 65},
        {"case_number": "C" * 65},
        {"username": "bad\x00name"},
        {"kind": "everything"},
        {"start": "9999-12-31T23:59:59-05:00"},
    ],
)
def test_bad_filter_values_are_form_errors_and_nothing_is_read_or_recorded(auditor_client, params):
    response = auditor_client.get("/audit/", params)
    assert response.status_code == 200
    assert response.context["page"] is None
    assert b"errorlist" in response.content
    assert looks() == []
    export = auditor_client.get("/audit/export.csv", params)
    assert export.status_code == 400
    assert looks() == []


def test_a_damaged_page_link_shows_the_first_page(auditor_client):
    record_search(purpose="only")
    response = auditor_client.get("/audit/", {"cursor": "not-a-cursor!!"})
    assert shown(response) == ["only"]
    assert b"That page link was not valid" in response.content


# --- pages ---------------------------------------------------------------------------------------------


def test_keyset_pages_walk_fifty_at_a_time_and_back_without_counting(auditor_client):
    for n in range(120):
        record_search(purpose=f"p{n:03d}", ago=dt.timedelta(minutes=n + 1))

    pages, url = [], "/audit/"
    with CaptureQueriesContext(connection) as queries:
        while url:
            response = auditor_client.get(url)
            pages.append(shown(response))
            url = response.context["next_url"]
        back = auditor_client.get(response.context["previous_url"])

    assert [len(page) for page in pages] == [50, 50, 20]
    assert [purpose for page in pages for purpose in page] == [f"p{n:03d}" for n in range(120)]
    assert shown(back) == pages[1]
    assert not [q for q in queries.captured_queries if re.search(r"\bcount\s*\(", q["sql"], re.I)]


@pytest.mark.parametrize("rows", [3, 60])
def test_the_page_costs_a_fixed_number_of_queries(auditor_client, django_assert_num_queries, rows):
    collectors = [CollectorFactory() for _ in range(3)]
    for n in range(rows):
        record_search(purpose=f"p{n}", collector=collectors[n % 3], ago=dt.timedelta(minutes=n + 1))

    # session, user, the nav's two permission reads (the view's check reads them too, cached),
    # the page's rows, their collectors' names, the view's own record (savepoint, insert, release here)
    with django_assert_num_queries(9):
        response = auditor_client.get("/audit/", {"username": ""})

    assert len(response.context["page"].entries) == min(rows, 50)


# --- looking is recorded -------------------------------------------------------------------------------


def test_viewing_the_access_log_is_recorded_with_its_filters_and_shown_under_views(auditor_client):
    record_search(purpose="a")
    record_search(purpose="b")

    auditor_client.get("/audit/", {"plate": "abc123", "case_number": "K-1"})

    (look,) = looks()
    assert look.action == "events.access_log_view"
    assert look.details["username"] == "auditor"
    assert look.details["filters"]["plate"] == "ABC123"
    assert look.details["filters"]["case_number"] == "K-1"
    assert look.details["rows"] == 0
    views = auditor_client.get("/audit/", {"kind": "looks"})
    assert [entry.action for entry in views.context["page"].entries] == ["events.access_log_view"]
    # On looks, plate and case number match what the look filtered on.
    assert (
        len(auditor_client.get("/audit/", {"kind": "looks", "plate": "ABC123"}).context["page"].entries) == 1
    )
    assert (
        auditor_client.get("/audit/", {"kind": "looks", "case_number": "K-2"}).context["page"].entries == []
    )


# --- CSV export ----------------------------------------------------------------------------------------


def test_the_export_streams_every_matching_row_as_csv_and_is_recorded_first(auditor_client):
    for n in range(70):
        record_search(purpose=f"p{n:02d}", ago=dt.timedelta(minutes=n + 1), case_number="CASE-7")
    record_search(purpose='=HYPERLINK("http://evil")', case_number="CASE-7", ago=dt.timedelta(seconds=1))
    record_search(purpose="other case", case_number="CASE-8")

    response = auditor_client.get("/audit/export.csv", {"case_number": "CASE-7"})

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="access-log-')
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 71
    assert rows[0]["purpose"] == '\'=HYPERLINK("http://evil")'  # never a formula in a spreadsheet
    assert [row["purpose"] for row in rows[1:]] == [f"p{n:02d}" for n in range(70)]
    assert {row["case_number"] for row in rows} == {"CASE-7"}
    assert rows[1]["address"] == "192.0.2.10"
    assert int(rows[1]["chain_position"]) > 0
    (export,) = looks()
    assert export.action == "events.access_log_export"
    assert export.details["filters"]["case_number"] == "CASE-7"
