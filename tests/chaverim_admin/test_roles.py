import pytest
from django.contrib.auth.models import Group

from chaverim_admin.roles import GROUP_PERMISSIONS

pytestmark = pytest.mark.django_db


def _perms(name):
    group = Group.objects.get(name=name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


def test_groups_migration_gives_each_group_the_permissions_of_its_job():
    for name, expected in GROUP_PERMISSIONS.items():
        assert _perms(name) == set(expected)


def test_watchlist_editors_cannot_run_maintenance():
    assert "partitions.run_maintenance" not in _perms("Watchlist editors")
    assert "collectors.change_collector" not in _perms("Operations")
