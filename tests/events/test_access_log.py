"""Every events search states a purpose and is recorded in the access log before its page is shown."""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import DatabaseError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.models import AuditLog
from events.forms import EventSearchForm
from tests.factories import CollectorFactory, UserFactory, insert_events

pytestmark = pytest.mark.django_db

UTC = dt.UTC
WINDOW = {"start": "2026-11-20", "end": "2026-11-20"}
PURPOSE = "Stolen vehicle report 4471"


@pytest.fixture
def searcher():
    return UserFactory(username="searcher")


@pytest.fixture
def searcher_client(client, searcher):
    client.force_login(searcher)
    return client


def searches() -> list[AuditLog]:
    return list(AuditLog.objects.filter(action="events.search").order_by("chain_position"))


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# --- purpose -------------------------------------------------------------------------------------------


def test_a_search_without_purpose_is_a_form_error_reads_no_event_and_records_nothing(searcher_client):
    insert_events(plate_number="NOPURP1", captured_at=dt.datetime(2026, 11, 20, 12, tzinfo=UTC))

    with CaptureQueriesContext(connection) as queries:
        response = searcher_client.get("/events/", {"plate": "NOPURP1", **WINDOW})

    assert response.status_code == 200
    assert response.context["page"] is None
    assert "State the purpose of this search" in response.content.decode()
    assert "NOPURP1</a>" not in response.content.decode()
    assert not [q for q in queries.captured_queries if 'from "events"' in q["sql"].lower()]
    assert not [q for q in queries.captured_queries if "audit_log" in q["sql"]]
    assert searches() == []


def test_a_first_visit_shows_the_empty_form_without_an_error_and_searches_nothing(searcher_client):
    response = searcher_client.get("/events/")

    assert response.status_code == 200
    assert response.context["page"] is None
    assert not response.context["form"].errors
    assert 'name="purpose"' in response.content.decode()
    assert searches() == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("purpose", "      "),
        ("purpose", "ab c"),
        ("purpose", "a \u200b b \u200b c"),  # zero-width spaces are not characters of a purpose
        ("purpose", "look\x01ing"),
        ("purpose", "two\nlines here"),
        ("purpose", "x" * 501),
        ("case_number", "C" * 65),
        ("case_number", "CASE\t12"),
    ],
)
def test_bad_purpose_or_case_number_is_a_form_error(field, value):
    form = EventSearchForm({"purpose": PURPOSE, field: value})
    assert not form.is_valid()
    assert list(form.errors) == [field]


@pytest.mark.parametrize("purpose", ["abcd", "Ünï!", "  padded purpose  ", "x" * 500])
def test_purposes_of_four_to_500_characters_are_accepted(purpose):
    form = EventSearchForm({"purpose": purpose, "case_number": "C" * 64})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["purpose"] == purpose.strip()


def test_without_the_requirement_a_search_without_purpose_is_shown_and_recorded(settings, searcher_client):
    settings.EVENTS_REQUIRE_PURPOSE = False

    response = searcher_client.get("/events/", WINDOW)

    assert response.context["page"] is not None
    assert [row.details["purpose"] for row in searches()] == [""]


# --- the record ----------------------------------------------------------------------------------------


def test_each_page_viewed_is_recorded_once_with_every_field(searcher_client, searcher):
    collector = CollectorFactory()
    when = dt.datetime(2026, 11, 20, 12, tzinfo=UTC)
    insert_events([(collector.pk, "REC1", when - dt.timedelta(seconds=n)) for n in range(60)])
    params = {
        "plate": "rec-1",
        "collector": str(collector.pk),
        **WINDOW,
        "purpose": PURPOSE,
        "case_number": "CR-2026-0042",
    }

    first = searcher_client.get("/events/", params)
    second = searcher_client.get(first.context["next_url"])
    back = searcher_client.get(second.context["previous_url"])

    assert [response.status_code for response in (first, second, back)] == [200, 200, 200]
    records = searches()
    assert len(records) == 3
    assert [(r.details["page"], r.details["rows"]) for r in records] == [
        ("first", 50),
        ("next", 10),
        ("previous", 50),
    ]
    record = records[0]
    assert (record.actor_id, record.object_type, record.object_id) == (searcher.pk, "events", "REC1")
    # (and the request's id, as its log line has it)
    assert {key: value for key, value in record.details.items() if key != "request_id"} == {
        "username": "searcher",
        "address": "127.0.0.1",
        "plate": "REC1",
        "plate_match": "exact",
        "collector": str(collector.pk),
        "from": "2026-11-20T00:00:00+00:00",
        "to": "2026-11-21T00:00:00+00:00",
        "purpose": PURPOSE,
        "case_number": "CR-2026-0042",
        "page": "first",
        "rows": 50,
    }
    assert record.occurred_at is not None and record.chain_position > 0


def test_a_prefix_search_is_recorded_with_its_star_and_without_case_number(searcher_client):
    searcher_client.get("/events/", {"plate": "ab*", **WINDOW, "purpose": PURPOSE})

    (record,) = searches()
    assert record.object_id == "AB*"
    assert (record.details["plate"], record.details["plate_match"]) == ("AB", "prefix")
    assert record.details["case_number"] is None
    assert record.details["rows"] == 0


def test_the_recorded_address_honours_the_proxy_count(settings, searcher_client):
    settings.LOGIN_THROTTLE_PROXY_COUNT = 1

    searcher_client.get(
        "/events/", {**WINDOW, "purpose": PURPOSE}, HTTP_X_FORWARDED_FOR="198.51.100.9, 203.0.113.7"
    )

    assert searches()[0].details["address"] == "203.0.113.7"


def test_purpose_and_case_number_carry_over_to_page_and_row_links(searcher_client):
    collector = CollectorFactory()
    insert_events([(collector.pk, "LINK1", dt.datetime(2026, 11, 20, 12, tzinfo=UTC))] * 51)

    response = searcher_client.get("/events/", {**WINDOW, "purpose": PURPOSE, "case_number": "K-9"})

    for url in (response.context["next_url"], response.context["rows"][0].plate_url):
        query = query_of(url)
        assert query["purpose"] == [PURPOSE]
        assert query["case_number"] == ["K-9"]
    following = searcher_client.get(response.context["next_url"])
    assert following.context["page"] is not None
    assert query_of(following.context["previous_url"])["purpose"] == [PURPOSE]


def test_a_search_that_cannot_be_recorded_is_not_shown(monkeypatch):
    insert_events(plate_number="HIDDEN1", captured_at=dt.datetime(2026, 11, 20, 12, tzinfo=UTC))
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory())

    def refuse(**kwargs):
        raise DatabaseError("could not write")

    monkeypatch.setattr("events.services.audit_log_write", refuse)
    response = client.get("/events/", {"plate": "HIDDEN1", **WINDOW, "purpose": PURPOSE})

    assert response.status_code == 503
    assert b"HIDDEN1" not in response.content
    assert b"could not be recorded" in response.content


def test_a_search_is_not_shown_when_the_audit_log_is_locked_beyond_the_lock_timeout():
    import psycopg

    insert_events(plate_number="LOCKED1", captured_at=dt.datetime(2026, 11, 20, 12, tzinfo=UTC))
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory())
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '300ms'")  # reverts with the test's transaction
    blocker = psycopg.connect(**connection.get_connection_params(), autocommit=False)
    try:
        blocker.execute("LOCK TABLE audit_log IN ACCESS EXCLUSIVE MODE")
        response = client.get("/events/", {"plate": "LOCKED1", **WINDOW, "purpose": PURPOSE})
    finally:
        blocker.rollback()
        blocker.close()

    assert response.status_code == 503
    assert b"LOCKED1" not in response.content
