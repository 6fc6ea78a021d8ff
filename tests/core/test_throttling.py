import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from core.throttling import LoginFailure, client_address
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOCKOUT_TEXT = "Too many failed log-in attempts"


def _log_in(client, username, password, address="192.0.2.10"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def _fail(client, username, times, address="192.0.2.10"):
    return [_log_in(client, username, "wrong-password", address) for _ in range(times)]


def test_four_failures_show_the_ordinary_error(client):
    UserFactory(username="dana")

    responses = _fail(client, "dana", 4)

    assert all(r.status_code == 200 for r in responses)
    assert b"correct username and password" in responses[-1].content
    assert LOCKOUT_TEXT.encode() not in responses[-1].content


def test_fifth_failure_locks_the_username_and_says_so(client):
    UserFactory(username="dana")

    fifth = _fail(client, "dana", 5)[-1]

    assert fifth.status_code == 429
    assert LOCKOUT_TEXT.encode() in fifth.content
    assert b"15 minutes" in fifth.content


def test_locked_out_user_is_refused_even_with_the_right_password(client):
    UserFactory(username="dana")
    _fail(client, "dana", 5)

    response = _log_in(client, "dana", PASSWORD)

    assert response.status_code == 429
    assert LOCKOUT_TEXT.encode() in response.content
    assert "_auth_user_id" not in client.session


def test_lockout_reads_the_same_whether_or_not_the_user_exists(client):
    UserFactory(username="dana")

    existing = _fail(client, "dana", 5, address="192.0.2.1")[-1]
    missing = _fail(client, "nobody-by-this-name", 5, address="192.0.2.2")[-1]

    assert existing.status_code == missing.status_code == 429
    assert existing.context["form"].non_field_errors() == missing.context["form"].non_field_errors()


def test_lockout_expires_after_the_window(client):
    UserFactory(username="dana")
    _fail(client, "dana", 5)

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16), tick=False):
        response = _log_in(client, "dana", PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_attempts_during_a_lockout_do_not_extend_it(client):
    UserFactory(username="dana")
    start = timezone.now()
    _fail(client, "dana", 5)
    with time_machine.travel(start + dt.timedelta(minutes=10), tick=False):
        assert _fail(client, "dana", 3)[-1].status_code == 429

    with time_machine.travel(start + dt.timedelta(minutes=16), tick=False):
        response = _log_in(client, "dana", PASSWORD)

    assert response.status_code == 302


def test_successful_log_in_forgets_the_usernames_failures(client):
    UserFactory(username="dana")
    _fail(client, "dana", 4)
    assert _log_in(client, "dana", PASSWORD).status_code == 302
    client.logout()

    after = _fail(client, "dana", 4)[-1]

    assert after.status_code == 200
    assert LOCKOUT_TEXT.encode() not in after.content


def test_usernames_are_not_stored_in_clear(client):
    _fail(client, "my-secret-typed-as-username", 1)

    keys = list(LoginFailure.objects.values_list("key", flat=True))
    assert keys
    assert not any("my-secret" in key for key in keys)


def test_many_usernames_from_one_address_lock_that_address(client):
    UserFactory(username="dana")
    for n in range(20):
        _log_in(client, f"guess{n}", "wrong-password", address="198.51.100.7")

    from_there = _log_in(client, "dana", PASSWORD, address="198.51.100.7")
    from_elsewhere = _log_in(client, "dana", PASSWORD, address="198.51.100.8")

    assert from_there.status_code == 429
    assert from_elsewhere.status_code == 302


def test_admin_login_is_throttled_too(client):
    UserFactory(username="dana", is_superuser=True)
    _fail(client, "dana", 5)

    response = client.post(
        "/admin/login/", {"username": "dana", "password": PASSWORD}, REMOTE_ADDR="192.0.2.10"
    )

    assert response.status_code == 200  # the admin form shows its own generic error
    assert "_auth_user_id" not in client.session


def test_client_address_uses_the_proxys_forwarded_entry_only_when_configured(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")

    settings.LOGIN_THROTTLE_PROXY_COUNT = 0
    assert client_address(request) == "10.0.0.2"
    settings.LOGIN_THROTTLE_PROXY_COUNT = 1
    assert client_address(request) == "203.0.113.9"
