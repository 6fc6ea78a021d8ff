"""Acknowledging a hit: one conditional UPDATE, refused when someone else changed the hit first."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from alerts.errors import CONFLICT_MESSAGE, AlertConflictError
from alerts.models import Alert
from alerts.services import alert_acknowledge
from core.models import AuditLog
from tests.alerts.conftest import NOW, at
from tests.factories import UserFactory, insert_alerts

pytestmark = pytest.mark.django_db

URL = "/alerts/acknowledge/"


def _alert(key) -> Alert:
    return Alert.objects.get(id=key[0], created_at=key[1])


def _seen(key, *, status="queued", processed_at=None, next_path="/alerts/?status=queued") -> dict:
    """The acknowledge form as the page writes it for a hit seen in `status` with `processed_at`."""
    return {
        "id": str(key[0]),
        "created_at": key[1].isoformat(),
        "status": status,
        "processed_at": processed_at.isoformat() if processed_at else "",
        "next": next_path,
    }


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def hit(entry, collector):
    (key,) = insert_alerts(
        entry=entry, collector_id=collector.pk, created_at=at(10) + dt.timedelta(microseconds=7)
    )
    return key


def test_acknowledge_marks_the_hit_and_writes_one_audit_row(editor_client, editor, hit):
    response = editor_client.post(URL, _seen(hit), follow=True)

    assert response.redirect_chain == [("/alerts/?status=queued", 302)]
    assert "Acknowledged the hit on HIT123." in _messages(response)
    alert = _alert(hit)
    assert alert.status == "acknowledged"
    assert alert.processed_at is not None
    (row,) = AuditLog.objects.filter(action="alert.acknowledge")
    assert row.actor_id == editor.pk
    assert row.object_id == str(hit[0])
    assert row.details["plate"] == "HIT123"
    assert row.details["before"] == {"status": "queued", "processed_at": None}
    assert row.details["after"]["status"] == "acknowledged"


def test_a_sent_or_failed_hit_can_be_acknowledged_as_seen(editor_client, entry, collector):
    (key,) = insert_alerts(entry=entry, collector_id=collector.pk, status="failed", processed_at=at(3))

    editor_client.post(URL, _seen(key, status="failed", processed_at=at(3)))

    assert _alert(key).status == "acknowledged"


def test_the_second_of_two_users_is_refused_with_a_clear_message(editor_client, hit):
    other = Client()
    other.force_login(UserFactory(groups=["Watchlist editors"]))
    # Both loaded the page while the hit was queued; the other one clicks first.
    other.post(URL, _seen(hit))
    first_processed_at = _alert(hit).processed_at

    response = editor_client.post(URL, _seen(hit), follow=True)

    (message,) = _messages(response)
    assert message.startswith(f"{CONFLICT_MESSAGE}: the hit on HIT123 is now acknowledged, processed at ")
    assert "Nothing was changed" in message
    assert _alert(hit).processed_at == first_processed_at
    assert AuditLog.objects.filter(action="alert.acknowledge").count() == 1


def test_a_hit_the_dispatcher_sent_meanwhile_is_not_acknowledged_over_it(editor_client, hit):
    Alert.objects.filter(id=hit[0], created_at=hit[1]).update(status="sent", processed_at=at(1))

    response = editor_client.post(URL, _seen(hit), follow=True)

    assert "is now sent" in _messages(response)[0]
    assert _alert(hit).status == "sent"


def test_a_changed_processed_at_is_a_conflict_even_with_the_same_status(editor_client, entry, collector):
    (key,) = insert_alerts(entry=entry, collector_id=collector.pk, status="failed", processed_at=at(3))
    # The dispatcher retried and failed again: same status, a later processed_at.
    Alert.objects.filter(id=key[0], created_at=key[1]).update(processed_at=at(1))

    response = editor_client.post(URL, _seen(key, status="failed", processed_at=at(3)), follow=True)

    assert CONFLICT_MESSAGE in _messages(response)[0]
    assert _alert(key).status == "failed"


def test_an_acknowledged_hit_is_not_acknowledged_again(editor_client, entry, collector):
    (key,) = insert_alerts(entry=entry, collector_id=collector.pk, status="acknowledged", processed_at=at(2))

    response = editor_client.post(URL, _seen(key, status="acknowledged", processed_at=at(2)), follow=True)

    assert "is now acknowledged" in _messages(response)[0]
    assert _alert(key).processed_at == at(2)
    assert not AuditLog.objects.filter(action="alert.acknowledge").exists()


def test_the_service_takes_the_time_it_is_given(editor, hit):
    done = alert_acknowledge(
        alert_id=hit[0],
        created_at=hit[1],
        seen_status="queued",
        seen_processed_at=None,
        actor=editor,
        now=NOW,
    )
    assert done.processed_at == NOW
    assert _alert(hit).processed_at == NOW
    with pytest.raises(AlertConflictError):
        alert_acknowledge(
            alert_id=hit[0], created_at=hit[1], seen_status="queued", seen_processed_at=None, actor=editor
        )


# --- bad input ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"id": str(10**9)},
        {"created_at": "2020-01-01T00:00:00+00:00"},
    ],
)
def test_an_unknown_hit_is_404(editor_client, hit, change):
    assert editor_client.post(URL, {**_seen(hit), **change}).status_code == 404
    assert _alert(hit).status == "queued"


@pytest.mark.parametrize(
    "change",
    [
        {"id": "abc"},
        {"id": "0"},
        {"id": str(2**63)},
        {"id": ""},
        {"created_at": "yesterday"},
        {"created_at": "2026-11-20T11:50:00"},  # no offset: which moment is it?
        {"created_at": "9999-12-31T23:59:59-05:00"},
        {"status": "deleted"},
        {"processed_at": "soon"},
        {"created_at": "x" * 500},
    ],
)
def test_malformed_values_change_nothing_and_say_so(editor_client, hit, change):
    response = editor_client.post(URL, {**_seen(hit), **change}, follow=True)

    assert response.status_code == 200
    assert _messages(response) == [
        "Nothing was acknowledged. The form was damaged in transit; reload the page and try again."
    ]
    assert _alert(hit).status == "queued"


def test_a_next_address_elsewhere_is_not_followed(editor_client, hit):
    response = editor_client.post(URL, _seen(hit, next_path="https://evil.example/"))
    assert response["Location"] == "/alerts/"


# --- method, CSRF, permission -------------------------------------------------------------------------


def test_acknowledge_takes_only_post(editor_client, hit):
    response = editor_client.get(URL, _seen(hit))
    assert response.status_code == 405
    assert _alert(hit).status == "queued"


def test_acknowledge_needs_the_csrf_token(editor, hit):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(editor)
    assert browser.post(URL, _seen(hit)).status_code == 403
    assert _alert(hit).status == "queued"


def test_acknowledge_with_the_token_from_the_page_works(editor, hit):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(editor)
    page = browser.get("/alerts/").content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    assert browser.post(URL, {**_seen(hit), "csrfmiddlewaretoken": token}).status_code == 302
    assert _alert(hit).status == "acknowledged"


def test_a_user_who_may_only_view_cannot_acknowledge(client, hit):
    viewer = UserFactory()
    viewer.user_permissions.add(
        Permission.objects.get(content_type__app_label="alerts", codename="view_alert")
    )
    client.force_login(viewer)

    assert client.post(URL, _seen(hit)).status_code == 403
    assert _alert(hit).status == "queued"
