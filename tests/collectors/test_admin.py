import re

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from collectors.errors import CONFLICT_MESSAGE
from collectors.models import Collector
from collectors.services import collector_update
from core.models import AuditLog
from tests.factories import CollectorFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST_URL = reverse("admin:collectors_collector_changelist")
ADD_URL = reverse("admin:collectors_collector_add")


def change_url(collector):
    return reverse("admin:collectors_collector_change", args=[collector.pk])


def admin_form_data(response, **changes):
    """Return the POST data for the admin change form as the browser shows it, with some fields retyped."""
    form = response.context["adminform"].form
    data = {"_save": "Save"}
    for name in ("site_name", "config", "config_version"):
        data[name] = str(form[name].value())
    if form["is_active"].value():
        data["is_active"] = "on"
    data.update(changes)
    return data


def test_changelist_lists_collectors_without_bulk_actions_or_inline_editing(
    admin_client_for, collector_admin
):
    CollectorFactory(site_name="Pier")
    response = admin_client_for(collector_admin).get(CHANGELIST_URL)
    assert response.status_code == 200
    assert "Pier" in response.content.decode()
    assert response.context["action_form"] is None
    assert 'name="action"' not in response.content.decode()
    assert response.context["cl"].list_editable == ()


def test_change_form_carries_the_loaded_version_hidden(admin_client_for, collector_admin):
    collector = CollectorFactory()
    collector_update(collector_id=collector.pk, expected_version=1, changes={})
    content = admin_client_for(collector_admin).get(change_url(collector)).content.decode()
    assert re.search(r'<input type="hidden" name="config_version" value="2"', content)


def test_admin_save_is_a_versioned_update_logged_once(admin_client_for, collector_admin):
    collector = CollectorFactory(site_name="Pier", config={"fps": 15})
    client = admin_client_for(collector_admin)
    page = client.get(change_url(collector))
    response = client.post(change_url(collector), admin_form_data(page, site_name="Pier 2"))
    assert response.status_code == 302
    row = Collector.objects.get(pk=collector.pk)
    assert (row.site_name, row.config, row.config_version) == ("Pier 2", {"fps": 15}, 2)
    [entry] = LogEntry.objects.filter(object_id=str(collector.pk))
    assert entry.get_change_message() == "Changed Site name."
    [audit] = AuditLog.objects.filter(action="collector.update")
    assert audit.details["changes"] == {"site_name": {"before": "Pier", "after": "Pier 2"}}


def test_stale_admin_save_shows_the_conflict_as_a_form_error_and_overwrites_nothing(
    admin_client_for, collector_admin
):
    collector = CollectorFactory(site_name="Pier", config={"fps": 15})
    client = admin_client_for(collector_admin)
    page = client.get(change_url(collector))
    collector_update(collector_id=collector.pk, expected_version=1, changes={"config": {"fps": 60}})

    response = client.post(change_url(collector), admin_form_data(page, site_name="Stale name"))

    assert response.status_code == 200
    assert CONFLICT_MESSAGE in response.context["adminform"].form.non_field_errors()
    content = response.content.decode()
    assert CONFLICT_MESSAGE in content
    assert "You loaded version 1; it is now version 2" in content
    assert f'<a href="/collectors/{collector.pk}/edit/">the collector\'s edit page</a>' in content
    assert 'value="Stale name"' in content  # the input is kept
    row = Collector.objects.get(pk=collector.pk)
    assert (row.site_name, row.config, row.config_version) == ("Pier", {"fps": 60}, 2)


def test_a_conflict_that_slips_past_the_form_check_is_a_message_not_a_500(
    admin_client_for, collector_admin, monkeypatch
):
    collector = CollectorFactory(site_name="Pier")
    client = admin_client_for(collector_admin)
    page = client.get(change_url(collector))
    collector_update(collector_id=collector.pk, expected_version=1, changes={"site_name": "Newer"})
    # Simulate losing the race after the check: the form sees the version it expects.
    monkeypatch.setattr("collectors.forms.collector_version_locked", lambda *, collector_id: 1)

    response = client.post(change_url(collector), admin_form_data(page, site_name="Stale"), follow=True)

    assert response.redirect_chain == [(change_url(collector), 302)]
    assert f"{CONFLICT_MESSAGE}. Nothing was saved." in response.content.decode()
    assert Collector.objects.get(pk=collector.pk).site_name == "Newer"


def test_admin_save_without_a_version_is_a_form_error(admin_client_for, collector_admin):
    collector = CollectorFactory(site_name="Pier")
    client = admin_client_for(collector_admin)
    data = admin_form_data(client.get(change_url(collector)), site_name="No version")
    del data["config_version"]
    response = client.post(change_url(collector), data)
    assert response.status_code == 200
    assert "reload the page" in response.content.decode()
    assert Collector.objects.get(pk=collector.pk).site_name == "Pier"


@pytest.mark.parametrize("config", ["[1]", "{bad", "7"])
def test_admin_refuses_config_that_is_not_a_json_object(admin_client_for, collector_admin, config):
    collector = CollectorFactory(config={"fps": 15})
    client = admin_client_for(collector_admin)
    response = client.post(
        change_url(collector), admin_form_data(client.get(change_url(collector)), config=config)
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["config"]
    assert Collector.objects.get(pk=collector.pk).config_version == 1


def test_collectors_cannot_be_deleted_from_the_admin(admin_client_for):
    superuser = UserFactory(username="root", is_superuser=True)
    collector = CollectorFactory()
    client = admin_client_for(superuser)
    delete_url = reverse("admin:collectors_collector_delete", args=[collector.pk])
    assert client.get(delete_url).status_code == 403
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert Collector.objects.filter(pk=collector.pk).exists()


def test_superuser_can_add_a_collector_which_starts_at_version_one(admin_client_for):
    superuser = UserFactory(username="root", is_superuser=True)
    client = admin_client_for(superuser)
    assert 'name="config_version"' not in client.get(ADD_URL).content.decode()
    response = client.post(ADD_URL, {"site_name": "Added", "config": '{"fps": 10}', "is_active": "on"})
    assert response.status_code == 302
    collector = Collector.objects.get(site_name="Added")
    assert (collector.config, collector.config_version) == ({"fps": 10}, 1)
    assert LogEntry.objects.filter(object_id=str(collector.pk)).count() == 1
    assert AuditLog.objects.filter(action="collector.create", object_id=str(collector.pk)).count() == 1


def test_collector_admins_may_not_add_collectors(admin_client_for, collector_admin):
    assert admin_client_for(collector_admin).get(ADD_URL).status_code == 403
