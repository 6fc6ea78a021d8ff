"""/metrics: who may scrape it (bearer token or allowed address), and what a scrape shows."""

import ipaddress

import pytest
from prometheus_client.parser import text_string_to_metric_families

from core import metrics
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "a-metrics-token-of-forty-characters-0123"
LOOPBACK = [ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128")]


def families(response) -> dict:
    """Parse a scrape with prometheus_client's own parser, by metric family name."""
    return {family.name: family for family in text_string_to_metric_families(response.content.decode())}


def sample_value(family, **labels) -> float:
    matching = [sample.value for sample in family.samples if sample.labels == labels]
    assert len(matching) == 1, (labels, family.samples)
    return matching[0]


@pytest.fixture
def token_only(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETS = []


def test_loopback_scrapes_without_a_token_or_a_session_by_default(client):
    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert "no-cache" in response["Cache-Control"]
    scraped = families(response)
    assert sample_value(scraped["chaverim_metrics_collector_up"], collector="partitions") == 1
    # django-prometheus' request and database metrics are in the same scrape.
    assert "django_http_requests_before_middlewares" in scraped
    assert "django_db_execute" in scraped


def test_an_address_outside_the_allowed_networks_is_refused_without_detail(client):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 403
    assert response.content == b""


@pytest.mark.parametrize("address", ["::1", "::ffff:127.0.0.1"])
def test_ipv6_loopback_and_ipv4_mapped_loopback_are_allowed(client, address):
    assert client.get("/metrics", REMOTE_ADDR=address).status_code == 200


def test_the_right_bearer_token_scrapes_from_anywhere(client, token_only):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 200
    assert "chaverim_partition_months_ahead" in families(response)


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token-of-the-right-length-000000", f"Bearer {TOKEN}x", f"Basic {TOKEN}", "Bearer"],
)
def test_a_wrong_or_missing_token_is_401_with_no_body_detail(client, token_only, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}

    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9", **headers)

    assert response.status_code == 401
    assert response.content == b""
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_token_is_refused_even_from_an_allowed_address(client, settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETS = LOOPBACK

    assert client.get("/metrics").status_code == 200
    wrong = "Bearer not-the-token-but-long-enough-0"
    assert client.get("/metrics", HTTP_AUTHORIZATION=wrong).status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


def test_metrics_are_404_when_neither_a_token_nor_a_network_is_configured(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETS = []

    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 404
    assert response.content == b""


def test_a_forwarded_address_counts_only_through_the_trusted_proxy_count(client, settings):
    # No proxy trusted: a client's own X-Forwarded-For claiming loopback changes nothing.
    settings.LOGIN_THROTTLE_PROXY_COUNT = 0
    spoofed = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert spoofed.status_code == 403

    # One proxy on this host: the address it appended decides, not the proxy's own loopback address.
    settings.LOGIN_THROTTLE_PROXY_COUNT = 1
    outside = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1, 203.0.113.9")
    assert outside.status_code == 403
    inside = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9, 127.0.0.1")
    assert inside.status_code == 200


def test_a_logged_in_session_neither_helps_nor_hinders(client, token_only):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))

    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 401
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200


def test_metrics_answer_get_only(client):
    assert client.post("/metrics").status_code == 405


def test_a_failing_collector_reports_itself_down_and_leaves_the_others(client, monkeypatch, caplog):
    def broken():
        raise RuntimeError("catalog unreadable")

    monkeypatch.setitem(metrics._collectors, "broken", broken)

    response = client.get("/metrics")

    assert response.status_code == 200
    scraped = families(response)
    assert sample_value(scraped["chaverim_metrics_collector_up"], collector="broken") == 0
    assert sample_value(scraped["chaverim_metrics_collector_up"], collector="partitions") == 1
    assert "chaverim_partition_months_ahead" in scraped
    assert "metrics collector broken failed: catalog unreadable" in caplog.messages


def test_prometheus_may_scrape_a_container_by_its_address_whatever_allowed_hosts_says(client, settings):
    settings.ALLOWED_HOSTS = ["admin.example.org"]

    response = client.get("/metrics", HTTP_HOST="10.0.0.7:8000")

    assert response.status_code == 200
