import json
import re
import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from collectors.errors import CONFLICT_MESSAGE
from collectors.models import Collector
from collectors.services import collector_update
from core.models import AuditLog
from tests.factories import CollectorFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("collectors:list")
APPLY_BUTTON = "Apply my changes on top of the latest version"


def edit_url(collector_or_id):
    return reverse("collectors:edit", args=[getattr(collector_or_id, "pk", collector_or_id)])


def form_data(form, **changes):
    """Return the POST data a browser would send for `form` (as shown), with some fields retyped."""
    data = {}
    for field in form:
        value = field.value()
        if field.name == "is_active":
            if value:
                data["is_active"] = "on"
        elif value is not None:
            data[field.name] = str(value)
    data.update(changes)
    if changes.get("is_active") is False:
        data.pop("is_active")
    return data


# The list -----------------------------------------------------------------------------------------


def test_list_redirects_anonymous_users_to_login(client):
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_list_is_forbidden_without_view_permission(admin_client_for, outsider):
    assert admin_client_for(outsider).get(LIST_URL).status_code == 403


def test_list_shows_site_active_version_and_last_updated(admin_client_for, collector_viewer):
    collector = CollectorFactory(site_name="Harbour gate", is_active=False)
    collector_update(collector_id=collector.pk, expected_version=1, changes={})
    response = admin_client_for(collector_viewer).get(LIST_URL)
    assert response.status_code == 200
    [row] = response.context["table"].rows
    assert row.get_cell("site_name") == "Harbour gate"
    assert ">No</span>" in row.get_cell("is_active")
    assert row.get_cell("config_version") == 2
    updated_at = timezone.localtime(Collector.objects.get().updated_at)
    assert row.get_cell("updated_at") == updated_at.strftime("%Y-%m-%d %H:%M:%S")
    content = response.content.decode()
    for header in ("Site", "Active", "Version", "Last updated"):
        assert header in content
    assert edit_url(collector) not in content  # viewers may not edit


def test_list_links_each_site_to_its_edit_page_for_editors(admin_client_for, collector_admin):
    collector = CollectorFactory(site_name="Harbour gate")
    content = admin_client_for(collector_admin).get(LIST_URL).content.decode()
    assert f'<a href="{edit_url(collector)}">Harbour gate</a>' in content


def test_list_searches_site_names(admin_client_for, collector_viewer):
    CollectorFactory(site_name="North Gate")
    CollectorFactory(site_name="South depot")
    response = admin_client_for(collector_viewer).get(LIST_URL, {"q": "gate"})
    assert [row.record.site_name for row in response.context["table"].rows] == ["North Gate"]


def test_list_shows_25_collectors_a_page(admin_client_for, collector_viewer):
    CollectorFactory.create_batch(30)
    client = admin_client_for(collector_viewer)
    response = client.get(LIST_URL)
    assert "?page=2" in response.content.decode()
    first = response.context["table"].page
    second = client.get(LIST_URL, {"page": "2", "per_page": "1000"}).context["table"].page
    assert (len(first.object_list), len(second.object_list)) == (25, 5)


def test_list_sorts_by_version(admin_client_for, collector_viewer):
    old, new = CollectorFactory(site_name="A"), CollectorFactory(site_name="B")
    collector_update(collector_id=new.pk, expected_version=1, changes={})
    client = admin_client_for(collector_viewer)
    descending = client.get(LIST_URL, {"sort": "-config_version"}).context["table"].rows
    ascending = client.get(LIST_URL, {"sort": "config_version"}).context["table"].rows
    assert [row.record.pk for row in descending] == [new.pk, old.pk]
    assert [row.record.pk for row in ascending] == [old.pk, new.pk]


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": "999"},
        {"page": "-1"},
        {"per_page": "0"},
        {"per_page": "-1"},
        {"q": "nul\x00byte"},
        {"q": "x" * 500},
        {"sort": "nope"},
    ],
)
def test_list_answers_odd_parameters_without_error(admin_client_for, collector_viewer, params):
    CollectorFactory()
    assert admin_client_for(collector_viewer).get(LIST_URL, params).status_code == 200


@pytest.mark.parametrize("size", [3, 60])
def test_list_costs_a_fixed_number_of_queries(
    admin_client_for, collector_admin, django_assert_num_queries, size
):
    CollectorFactory.create_batch(size)
    client = admin_client_for(collector_admin)
    # session, user, the user's permissions (user + group), count, one page of rows
    with django_assert_num_queries(6):
        response = client.get(LIST_URL, {"sort": "-updated_at"})
    assert len(response.context["table"].page.object_list) == min(size, 25)


# The edit page ------------------------------------------------------------------------------------


def test_edit_page_shows_the_form_with_pretty_json_and_the_loaded_version(admin_client_for, collector_admin):
    collector = CollectorFactory(site_name="Quay", config={"fps": 15, "zones": ["a"]})
    collector_update(collector_id=collector.pk, expected_version=1, changes={})
    response = admin_client_for(collector_admin).get(edit_url(collector))
    assert response.status_code == 200
    content = response.content.decode()
    assert '<label for="id_site_name">Site name</label>' in content
    assert '<label for="id_config">Config (JSON object)</label>' in content
    assert '<label for="id_is_active">Active</label>' in content
    assert '<input type="hidden" name="config_version" value="2"' in content
    textarea = re.search(r"<textarea[^>]*>(.*?)</textarea>", content, re.S).group(1)
    assert textarea.strip() == json.dumps({"fps": 15, "zones": ["a"]}, indent=2).replace('"', "&quot;")
    assert ">Save</button>" in content


@pytest.mark.parametrize("user_fixture", ["collector_viewer", "outsider"])
def test_edit_page_is_forbidden_without_change_permission(admin_client_for, request, user_fixture):
    collector = CollectorFactory(site_name="Keep")
    client = admin_client_for(request.getfixturevalue(user_fixture))
    assert client.get(edit_url(collector)).status_code == 403
    data = {"site_name": "Changed", "config": "{}", "config_version": "1"}
    assert client.post(edit_url(collector), data).status_code == 403
    assert Collector.objects.get(pk=collector.pk).site_name == "Keep"


def test_edit_page_redirects_anonymous_users_to_login(client):
    collector = CollectorFactory()
    assert client.get(edit_url(collector)).status_code == 302


def test_unknown_collector_is_not_found(admin_client_for, collector_admin):
    client = admin_client_for(collector_admin)
    assert client.get(edit_url(uuid.uuid4())).status_code == 404
    data = {"site_name": "x", "config": "{}", "config_version": "1"}
    assert client.post(edit_url(uuid.uuid4()), data).status_code == 404


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "123", "00000000-0000-0000-0000-00000000000g"])
def test_malformed_collector_id_is_not_found(admin_client_for, collector_admin, bad_id):
    assert admin_client_for(collector_admin).get(f"/collectors/{bad_id}/edit/").status_code == 404


def test_edit_page_refuses_other_methods(admin_client_for, collector_admin):
    collector = CollectorFactory()
    assert admin_client_for(collector_admin).put(edit_url(collector)).status_code == 405


def test_saving_applies_the_edit_bumps_the_version_and_redirects_with_a_message(
    admin_client_for, collector_admin
):
    collector = CollectorFactory(site_name="Quay", config={"fps": 15}, is_active=True)
    client = admin_client_for(collector_admin)
    form = client.get(edit_url(collector)).context["form"]
    response = client.post(
        edit_url(collector), form_data(form, site_name="Quay 2", config='{"fps": 30}', is_active=False)
    )
    assert response.status_code == 302
    assert response["Location"] == LIST_URL
    row = Collector.objects.get(pk=collector.pk)
    assert (row.site_name, row.config, row.is_active, row.config_version) == ("Quay 2", {"fps": 30}, False, 2)
    assert [str(m) for m in get_messages(response.wsgi_request)] == ['Saved "Quay 2" (now version 2).']
    [audit] = AuditLog.objects.filter(action="collector.update")
    assert audit.actor_id == collector_admin.pk
    assert (audit.details["old_version"], audit.details["new_version"]) == (1, 2)


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("config", "{not json", "Enter valid JSON"),
        ("config", "[1, 2]", "Enter a JSON object"),
        ("config", "42", "Enter a JSON object"),
        ("config", '"text"', "Enter a JSON object"),
        ("config", "null", "Enter a JSON object"),
        ("config", '{"fps": NaN}', "Enter valid JSON"),
        ("config", '{"a": "\\u0000"}', "cannot be stored"),
        ("config", "", "Enter a JSON object, such as {}"),
        ("site_name", "x" * 101, "at most 100 characters"),
        ("site_name", "", "This field is required"),
        ("site_name", "   ", "This field is required"),
        ("config_version", "", "reload the page"),
        ("config_version", "abc", "reload the page"),
        ("config_version", "0", "reload the page"),
        ("loaded", "{broken", "damaged"),
        ("loaded", '{"site_name": 1}', "damaged"),
    ],
)
def test_invalid_input_is_a_form_error_and_changes_nothing(
    admin_client_for, collector_admin, field, value, error
):
    collector = CollectorFactory(site_name="Quay", config={"fps": 15})
    client = admin_client_for(collector_admin)
    form = client.get(edit_url(collector)).context["form"]
    response = client.post(edit_url(collector), form_data(form, **{field: value}))
    assert response.status_code == 200
    assert error in response.content.decode()
    row = Collector.objects.get(pk=collector.pk)
    assert (row.site_name, row.config, row.config_version) == ("Quay", {"fps": 15}, 1)


def test_invalid_json_is_shown_back_as_typed(admin_client_for, collector_admin):
    collector = CollectorFactory()
    client = admin_client_for(collector_admin)
    form = client.get(edit_url(collector)).context["form"]
    response = client.post(edit_url(collector), form_data(form, config="{oops"))
    assert ">\n{oops</textarea>" in response.content.decode()


# The conflict flow --------------------------------------------------------------------------------


def test_stale_save_answers_409_with_comparison_and_keeps_the_input(admin_client_for, collector_admin):
    collector = CollectorFactory(site_name="Quay", config={"fps": 15}, is_active=True)
    client = admin_client_for(collector_admin)
    form = client.get(edit_url(collector)).context["form"]
    collector_update(collector_id=collector.pk, expected_version=1, changes={"config": {"fps": 60}})

    response = client.post(edit_url(collector), form_data(form, site_name="My new name"))

    assert response.status_code == 409
    content = response.content.decode()
    assert CONFLICT_MESSAGE in content
    assert APPLY_BUTTON in content
    rows = {row["field"]: row for row in response.context["comparison"]}
    assert (rows["Site name"]["loaded"], rows["Site name"]["now"], rows["Site name"]["entered"]) == (
        "Quay",
        "Quay",
        "My new name",
    )
    assert rows["Site name"]["entered_differs"] and not rows["Site name"]["now_differs"]
    assert rows["Config (JSON object)"]["now_differs"]
    assert json.loads(rows["Config (JSON object)"]["now"]) == {"fps": 60}
    assert (rows["Version"]["loaded"], rows["Version"]["now"]) == ("1", "2")
    assert "<mark>" in content
    assert 'name="site_name" value="My new name"' in content  # the user's input is kept
    assert 'name="config_version" value="2"' in content  # ready to apply on top of the latest
    row = Collector.objects.get(pk=collector.pk)
    assert (row.site_name, row.config, row.config_version) == ("Quay", {"fps": 60}, 2)


def test_apply_on_top_keeps_the_other_edit_and_adds_mine(admin_client_for, collector_admin):
    collector = CollectorFactory(site_name="Quay", config={"fps": 15}, is_active=True)
    client = admin_client_for(collector_admin)
    form = client.get(edit_url(collector)).context["form"]
    collector_update(collector_id=collector.pk, expected_version=1, changes={"config": {"fps": 60}})
    conflict = client.post(edit_url(collector), form_data(form, site_name="My new name"))
    assert conflict.status_code == 409

    response = client.post(edit_url(collector), form_data(conflict.context["form"]))

    assert response.status_code == 302
    row = Collector.objects.get(pk=collector.pk)
    assert (row.site_name, row.config, row.is_active, row.config_version) == (
        "My new name",
        {"fps": 60},
        True,
        3,
    )


def test_apply_on_top_of_the_same_field_takes_my_value(admin_client_for, collector_admin):
    collector = CollectorFactory(site_name="Quay", config={"fps": 15})
    client = admin_client_for(collector_admin)
    form = client.get(edit_url(collector)).context["form"]
    collector_update(collector_id=collector.pk, expected_version=1, changes={"config": {"fps": 60}})
    conflict = client.post(edit_url(collector), form_data(form, config='{"fps": 24}'))
    assert conflict.status_code == 409
    assert json.loads(conflict.context["form"]["config"].value()) == {"fps": 24}

    assert client.post(edit_url(collector), form_data(conflict.context["form"])).status_code == 302
    row = Collector.objects.get(pk=collector.pk)
    assert (row.config, row.config_version) == ({"fps": 24}, 3)


def test_apply_on_top_conflicts_again_if_the_row_moved_on_meanwhile(admin_client_for, collector_admin):
    collector = CollectorFactory(site_name="Quay")
    client = admin_client_for(collector_admin)
    form = client.get(edit_url(collector)).context["form"]
    collector_update(collector_id=collector.pk, expected_version=1, changes={"is_active": False})
    conflict = client.post(edit_url(collector), form_data(form, site_name="Mine"))
    collector_update(collector_id=collector.pk, expected_version=2, changes={"config": {"x": 1}})

    again = client.post(edit_url(collector), form_data(conflict.context["form"]))

    assert again.status_code == 409
    assert 'name="site_name" value="Mine"' in again.content.decode()
    row = Collector.objects.get(pk=collector.pk)
    assert (row.site_name, row.config_version) == ("Quay", 3)


def test_stale_save_without_loaded_values_still_conflicts(admin_client_for, collector_admin):
    collector = CollectorFactory(site_name="Quay")
    collector_update(collector_id=collector.pk, expected_version=1, changes={})
    data = {"site_name": "Direct", "config": "{}", "is_active": "on", "config_version": "1"}
    response = admin_client_for(collector_admin).post(edit_url(collector), data)
    assert response.status_code == 409
    assert CONFLICT_MESSAGE in response.content.decode()
    assert Collector.objects.get(pk=collector.pk).site_name == "Quay"


def test_saving_a_collector_deleted_meanwhile_is_not_found(admin_client_for, collector_admin):
    collector = CollectorFactory()
    client = admin_client_for(collector_admin)
    form = client.get(edit_url(collector)).context["form"]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM collectors WHERE id = %s", [collector.pk])
    assert client.post(edit_url(collector), form_data(form, site_name="Gone")).status_code == 404


# CSRF and query budgets ---------------------------------------------------------------------------


def test_edit_refuses_a_post_without_csrf_token(collector_admin):
    collector = CollectorFactory(site_name="Quay")
    client = Client(enforce_csrf_checks=True)
    client.force_login(collector_admin)
    data = {"site_name": "Forged", "config": "{}", "config_version": "1"}
    assert client.post(edit_url(collector), data).status_code == 403
    assert Collector.objects.get(pk=collector.pk).site_name == "Quay"


def test_edit_accepts_a_post_with_the_pages_csrf_token(collector_admin):
    collector = CollectorFactory(site_name="Quay")
    client = Client(enforce_csrf_checks=True)
    client.force_login(collector_admin)
    page = client.get(edit_url(collector))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    data = form_data(page.context["form"], site_name="Signed", csrfmiddlewaretoken=token)
    assert client.post(edit_url(collector), data).status_code == 302
    assert Collector.objects.get(pk=collector.pk).site_name == "Signed"


def test_edit_page_costs_a_fixed_number_of_queries(
    admin_client_for, collector_admin, django_assert_num_queries
):
    collector = CollectorFactory()
    client = admin_client_for(collector_admin)
    # session, user, the user's permissions (user + group), the collector
    with django_assert_num_queries(5):
        form = client.get(edit_url(collector)).context["form"]
    ContentType.objects.get_for_model(Collector)  # cached for the life of a server process
    # session, user, permissions (2), collector, savepoint, UPDATE, audit_log, admin log, release savepoint
    with django_assert_num_queries(10):
        assert client.post(edit_url(collector), form_data(form, site_name="Cheap")).status_code == 302
