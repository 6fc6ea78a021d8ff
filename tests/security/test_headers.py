"""Content-Security-Policy, no caching of pages, session lifetime, and probes that answer any Host."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory, WatchlistEntryFactory

pytestmark = pytest.mark.django_db

PAGES = ["/", "/events/", "/watchlists/", "/collectors/", "/partitions/", "/admin/", "/admin/core/user/"]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=", re.I)


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_superuser=True))
    return client


@pytest.mark.parametrize("path", PAGES)
def test_pages_carry_a_strict_content_security_policy(superuser_client, path):
    policy = superuser_client.get(path)["Content-Security-Policy"]

    directives = dict(item.strip().split(" ", 1) for item in policy.split(";") if item.strip())
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


@pytest.mark.parametrize("path", ["/", "/events/", "/watchlists/", "/collectors/", "/partitions/"])
def test_our_pages_have_no_inline_script_or_style_the_policy_would_block(superuser_client, path):
    WatchlistEntryFactory()
    body = superuser_client.get(path).content.decode()

    assert not INLINE_SCRIPT.search(body)
    assert not INLINE_STYLE.search(body)


@pytest.mark.parametrize("path", [*PAGES, "/partitions/status.json", "/accounts/login/"])
def test_no_page_may_be_stored_by_a_browser_or_proxy(superuser_client, path):
    response = superuser_client.get(path)

    assert "no-store" in response["Cache-Control"]


def test_a_session_lasts_session_max_age_and_ends_with_the_browser(client):
    UserFactory(username="dana")

    response = client.post(reverse("login"), {"username": "dana", "password": PASSWORD})

    assert response.status_code == 302
    assert settings.SESSION_MAX_AGE == 8 * 3600
    assert client.session.get_expiry_age() == 8 * 3600
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert not cookie["max-age"]
    assert not cookie["expires"]


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
@pytest.mark.parametrize("host", ["127.0.0.1:8000", "10.0.4.7", "web:8000"])
def test_probes_answer_whatever_the_host_header(client, settings, path, host):
    settings.ALLOWED_HOSTS = ["admin.example.org"]

    response = client.get(path, HTTP_HOST=host)

    assert response.status_code in {200, 503}


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/healthz/", "/readyz/x", "/admin/"])
def test_every_other_url_still_checks_the_host_header(client, settings, path):
    settings.ALLOWED_HOSTS = ["admin.example.org"]

    assert client.get(path, HTTP_HOST="127.0.0.1:8000").status_code == 400
    assert client.get(path, HTTP_HOST="admin.example.org").status_code != 400
