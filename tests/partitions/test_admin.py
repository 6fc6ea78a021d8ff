"""MaintenanceRun in the admin: a record to read, never to add, edit or delete."""

import pytest
from django.urls import reverse

from partitions.models import MaintenanceRun
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_maintenance_runs_are_listed_and_readable_but_not_editable(client):
    run = MaintenanceRun.objects.create(
        trigger="beat", status="failed", error="create x: 55P03: lock timeout"
    )
    client.force_login(UserFactory(is_superuser=True))

    listing = client.get(reverse("admin:partitions_maintenancerun_changelist"))
    detail = client.get(reverse("admin:partitions_maintenancerun_change", args=[run.pk]))
    add = client.get(reverse("admin:partitions_maintenancerun_add"))
    delete = client.post(reverse("admin:partitions_maintenancerun_delete", args=[run.pk]), {"post": "yes"})

    assert listing.status_code == 200 and b"Failed" in listing.content
    assert detail.status_code == 200 and b"55P03" in detail.content
    assert b'name="_save"' not in detail.content
    assert add.status_code == 403
    assert delete.status_code == 403
    assert MaintenanceRun.objects.filter(pk=run.pk).exists()


@pytest.mark.parametrize("params", [{"status": "\x00"}, {"status__exact": "succ\x00ess"}, {"table": "\x00"}])
def test_a_nul_in_a_filter_is_refused_like_any_bad_filter_not_a_server_error(client, params):
    client.force_login(UserFactory(is_superuser=True))

    response = client.get(reverse("admin:partitions_maintenancerun_changelist"), params)

    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")
