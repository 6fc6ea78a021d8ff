import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.utils import timezone

from core.throttling import client_address, username_key
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOCKOUT_TEXT = "Too many failed log-in attempts"


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Hash quickly: these tests log in a few hundred times, and password hashing is not what they test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _log_in(client, username, password, address="192.0.2.10", **headers):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address, **headers
    )


def _fail(client, username, times, address="192.0.2.10", **headers):
    return [_log_in(client, username, "wrong-password", address, **headers) for _ in range(times)]


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
    assert existing.content == missing.content


def test_usernames_are_folded_for_case_and_width(client):
    UserFactory(username="dana")
    _fail(client, "dana", 2)
    _fail(client, "DANA", 2)

    fifth = _log_in(client, "\uff24\uff41\uff4e\uff41", "wrong-password")  # "Dana" in full-width letters

    assert fifth.status_code == 429


def test_username_key_folds_case_width_and_surrounding_spaces(rf):
    request = rf.post("/accounts/login/")

    spellings = ("dana", "DANA", " Dana ", "\uff44\uff41na")  # the last half in full-width letters

    keys = {username_key(request, {"username": name}) for name in spellings}

    assert len(keys) == 1
    assert username_key(request, {"username": "dan"}) not in keys


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


def test_successful_log_in_leaves_the_addresss_count_alone(client):
    UserFactory(username="dana")
    for n in range(16):
        _log_in(client, f"guess{n}", "wrong-password", address="198.51.100.7")
    _fail(client, "dana", 3, address="198.51.100.7")
    assert _log_in(client, "dana", PASSWORD, address="198.51.100.7").status_code == 302
    client.logout()

    twentieth = _log_in(client, "guess-again", "wrong-password", address="198.51.100.7")

    assert twentieth.status_code == 429


def test_usernames_are_not_stored_in_clear(client):
    _fail(client, "my-secret-typed-as-username", 1)

    stored = list(AccessAttempt.objects.values_list("username", "get_data", "post_data", "path_info"))
    assert stored
    assert not any("my-secret" in (value or "") for row in stored for value in row)


def test_many_usernames_from_one_address_lock_that_address(client):
    UserFactory(username="dana")
    for n in range(20):
        _log_in(client, f"guess{n}", "wrong-password", address="198.51.100.7")

    from_there = _log_in(client, "dana", PASSWORD, address="198.51.100.7")
    from_elsewhere = _log_in(client, "dana", PASSWORD, address="198.51.100.8")

    assert from_there.status_code == 429
    assert from_elsewhere.status_code == 302


def test_an_address_is_not_locked_before_its_own_higher_limit(client):
    UserFactory(username="dana")
    responses = [_log_in(client, f"guess{n}", "wrong-password", address="198.51.100.7") for n in range(19)]

    response = _log_in(client, "dana", PASSWORD, address="198.51.100.7")

    assert all(r.status_code == 200 for r in responses)
    assert response.status_code == 302


def test_admin_login_is_throttled_too(client):
    UserFactory(username="dana", is_superuser=True)
    _fail(client, "dana", 5)

    response = client.post(
        "/admin/login/", {"username": "dana", "password": PASSWORD}, REMOTE_ADDR="192.0.2.10"
    )

    assert response.status_code == 429
    assert LOCKOUT_TEXT.encode() in response.content
    assert "_auth_user_id" not in client.session


def test_forwarded_for_is_ignored_without_proxies(client, settings):
    settings.LOGIN_THROTTLE_PROXY_COUNT = 0
    UserFactory(username="dana")
    for n in range(20):
        _log_in(client, f"guess{n}", "wrong-password", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")

    response = _log_in(client, "dana", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.99")

    assert response.status_code == 429


def test_behind_a_proxy_each_client_is_counted_by_its_forwarded_address(client, settings):
    settings.LOGIN_THROTTLE_PROXY_COUNT = 1
    UserFactory(username="dana")
    for n in range(20):
        _log_in(client, f"guess{n}", "wrong-password", address="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")

    locked = _log_in(client, "dana", PASSWORD, address="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")
    other = _log_in(
        client, "dana", PASSWORD, address="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.10"
    )

    assert locked.status_code == 429
    assert other.status_code == 302


def test_client_address_uses_the_proxys_forwarded_entry_only_when_configured(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")

    settings.LOGIN_THROTTLE_PROXY_COUNT = 0
    assert client_address(request) == "10.0.0.2"
    settings.LOGIN_THROTTLE_PROXY_COUNT = 1
    assert client_address(request) == "203.0.113.9"


def test_client_address_is_always_an_ip_address_or_none(rf, settings):
    settings.LOGIN_THROTTLE_PROXY_COUNT = 1

    assert client_address(rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="unknown")) == "10.0.0.2"
    assert client_address(rf.get("/", REMOTE_ADDR="")) is None
