"""Fixtures for the collectors tests: users with each level of access, and a logged-in client for each."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from chaverim_admin.roles import COLLECTOR_ADMINS
from tests.factories import UserFactory


@pytest.fixture
def collector_admin(db):
    return UserFactory(username="collector-admin", groups=[COLLECTOR_ADMINS])


@pytest.fixture
def collector_viewer(db):
    user = UserFactory(username="collector-viewer")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="collectors", codename="view_collector")
    )
    return user


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider", groups=["Operations"])


@pytest.fixture
def admin_client_for(db):
    """Return a logged-in test client for a user."""

    def make(user, **kwargs) -> Client:
        client = Client(**kwargs)
        client.force_login(user)
        return client

    return make
