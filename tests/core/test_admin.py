import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from core.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELISTS = sorted(
    reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    for model in admin.site._registry
)
DATE_DRILL_DOWNS = sorted(
    (
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"),
        model_admin.date_hierarchy,
    )
    for model, model_admin in admin.site._registry.items()
    if model_admin.date_hierarchy
)


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_superuser=True))
    return client


@pytest.mark.parametrize("path", CHANGELISTS)
@pytest.mark.parametrize("params", [{"status": "\x00"}, {"q": "a\x00b"}, {"trigger": "\x00"}, {"\x00": "1"}])
def test_every_changelist_answers_a_nul_in_its_query_with_the_bad_filter_redirect(
    superuser_client, path, params
):
    response = superuser_client.get(path, params)

    assert response.status_code == 302
    assert response["Location"] == f"{path}?e=1"


@pytest.mark.parametrize(("path", "field"), DATE_DRILL_DOWNS)
@pytest.mark.parametrize(
    "parts",
    [
        {"year": "9999", "month": "12"},
        {"year": "9999"},
        {"year": "9999", "month": "12", "day": "31"},
        {"year": "0"},
    ],
)
def test_a_date_drill_down_past_the_last_representable_date_is_a_bad_filter(
    superuser_client, path, field, parts
):
    response = superuser_client.get(path, {f"{field}__{part}": value for part, value in parts.items()})

    assert response.status_code == 302
    assert response["Location"] == f"{path}?e=1"


def test_a_date_drill_down_inside_the_calendar_still_works(superuser_client):
    path = reverse("admin:partitions_maintenancerun_changelist")

    assert (
        superuser_client.get(path, {"started_at__year": "9998", "started_at__month": "12"}).status_code == 200
    )


def test_at_least_one_changelist_has_a_date_drill_down():
    assert DATE_DRILL_DOWNS


# --- staff accounts -----------------------------------------------------------------------------------


def test_a_superuser_manages_users_and_groups_in_the_admin(superuser_client):
    user = UserFactory(username="dana")

    assert superuser_client.get(reverse("admin:core_user_changelist")).status_code == 200
    change = superuser_client.get(reverse("admin:core_user_change", args=[user.pk]))
    assert change.status_code == 200
    assert str(user.pk) in change.content.decode()
    assert superuser_client.get(reverse("admin:auth_group_changelist")).status_code == 200


def test_a_superuser_adds_a_staff_account(superuser_client):
    response = superuser_client.post(
        reverse("admin:core_user_add"),
        {"username": "newcomer", "password1": "a-long-passphrase-42", "password2": "a-long-passphrase-42"},
    )

    assert response.status_code == 302
    assert User.objects.filter(username="newcomer").exists()


def test_users_are_deactivated_never_deleted(superuser_client):
    user = UserFactory(username="leaver")

    delete = superuser_client.post(reverse("admin:core_user_delete", args=[user.pk]), {"post": "yes"})
    bulk_delete = superuser_client.post(
        reverse("admin:core_user_changelist"),
        {"action": "delete_selected", "_selected_action": [str(user.pk)], "post": "yes"},
    )
    deactivate = superuser_client.post(
        reverse("admin:core_user_changelist"),
        {"action": "deactivate_selected", "_selected_action": [str(user.pk)]},
    )

    assert delete.status_code == 403
    assert bulk_delete.status_code in {200, 302}  # delete_selected is not offered: nothing happens
    assert User.objects.filter(pk=user.pk).exists()
    assert deactivate.status_code == 302
    user.refresh_from_db()
    assert not user.is_active


def test_a_superuser_cannot_deactivate_themselves(client):
    me = UserFactory(is_superuser=True)
    client.force_login(me)

    client.post(
        reverse("admin:core_user_changelist"),
        {"action": "deactivate_selected", "_selected_action": [str(me.pk)]},
    )

    me.refresh_from_db()
    assert me.is_active


@pytest.mark.parametrize(
    "perms", [[], ["core.view_user", "core.change_user", "auth.view_group", "auth.change_group"]]
)
def test_staff_who_are_not_superusers_never_see_accounts_or_groups(client, perms):
    user = UserFactory()
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    client.force_login(user)
    group = Group.objects.create(name="Somebody's")

    assert client.get(reverse("admin:core_user_changelist")).status_code == 403
    assert client.get(reverse("admin:core_user_change", args=[user.pk])).status_code == 403
    assert client.get(reverse("admin:auth_group_change", args=[group.pk])).status_code == 403
