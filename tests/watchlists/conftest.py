"""Fixtures of the watchlist tests: users by job and logged-in clients."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from chaverim_admin.roles import WATCHLIST_EDITORS
from tests.factories import UserFactory


def user_with_perms(*perms, **kwargs):
    """Return a staff user holding exactly the named permissions ("app.codename")."""
    user = UserFactory(**kwargs)
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


@pytest.fixture
def editor(db):
    return UserFactory(username="editor", groups=[WATCHLIST_EDITORS])


@pytest.fixture
def editor_client(editor):
    client = Client()
    client.force_login(editor)
    return client


@pytest.fixture
def csrf_client(editor):
    """A client that checks CSRF tokens as a browser's requests are checked."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    return client


@pytest.fixture
def deleter(db):
    """Can view and delete watchlists and entries, but not restore."""
    return user_with_perms(
        "watchlists.view_watchlist",
        "watchlists.delete_watchlist",
        "watchlists.view_watchlistentry",
        "watchlists.delete_watchlistentry",
        username="deleter",
    )


@pytest.fixture
def deleter_client(deleter):
    client = Client()
    client.force_login(deleter)
    return client


@pytest.fixture
def viewer(db):
    """Can only look."""
    return user_with_perms("watchlists.view_watchlist", "watchlists.view_watchlistentry", username="viewer")


@pytest.fixture
def viewer_client(viewer):
    client = Client()
    client.force_login(viewer)
    return client
