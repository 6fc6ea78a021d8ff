"""With the broker down: readiness says so, and the pages work as before."""

import pytest
from django.test import Client

from chaverim_admin.celery import app
from partitions.models import MaintenanceRun
from tests.factories import CollectorFactory, UserFactory, WatchlistEntryFactory

pytestmark = pytest.mark.django_db

DEAD_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def broker_down(settings):
    app.conf.broker_url = DEAD_BROKER
    # Drop connections made to the real broker before, so nothing is reused from a pool.
    app.pool.force_close_all()
    yield
    app.conf.broker_url = settings.CELERY_BROKER_URL
    app.pool.force_close_all()


def test_readiness_names_the_broker(client, broker_down):
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["database"] == "ok"
    assert response.json()["broker"] == "failed"


def test_every_page_still_answers(broker_down):
    entry = WatchlistEntryFactory()
    collector = CollectorFactory()
    client = Client()
    client.force_login(UserFactory(is_superuser=True))
    paths = ["/", "/events/", "/watchlists/", f"/watchlists/{entry.watchlist_id}/", "/collectors/"]
    paths += [
        f"/collectors/{collector.pk}/edit/",
        "/partitions/",
        "/partitions/status.json",
        "/partitions/plan/",
    ]

    statuses = {path: client.get(path).status_code for path in paths}

    assert statuses == dict.fromkeys(paths, 200)


@pytest.mark.django_db(transaction=True)
def test_run_now_says_maintenance_was_not_queued(broker_down):
    client = Client()
    client.force_login(UserFactory(groups=["Operations"]))

    response = client.post("/partitions/run/", follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/partitions/"
    page = response.content.decode()
    assert "Maintenance was not queued" in page
    assert "Maintenance queued" not in page
    assert not MaintenanceRun.objects.exists()
