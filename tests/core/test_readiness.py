import pytest

pytestmark = pytest.mark.django_db


def test_healthz_answers_anonymously_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"


@pytest.fixture
def partitions_made():
    """Create this month's and the premade partitions, so no table is critical."""
    from partitions.services import partitions_apply

    partitions_apply(trigger="cli")


def test_readyz_reports_database_and_broker(client, partitions_made):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["broker"] == "ok"


def test_readyz_is_503_when_the_broker_is_unreachable(client, settings, partitions_made, caplog):
    from chaverim_admin.celery import app

    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/readyz")
    finally:
        app.conf.broker_url = settings.CELERY_BROKER_URL
    assert response.status_code == 503
    assert response.json()["broker"] == "failed"
    assert "readiness check broker failed: broker unreachable" in caplog.text


def test_home_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_login_page_shows_a_form(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b'name="username"' in response.content


def test_logged_in_user_sees_the_dashboard_home(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(is_superuser=True))
    response = client.get("/")
    assert response.status_code == 200
    assert b"/watchlists/" in response.content


def test_probes_answer_plain_http_while_pages_redirect_to_https(client, settings, partitions_made):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    response = client.get("/accounts/login/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
