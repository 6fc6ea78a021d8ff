"""Fixtures for legal holds: two users, and a clean events_held after transactional tests."""

import pytest

from tests.factories import UserFactory
from tests.holds.helpers import events_held_empty


@pytest.fixture
def clean_events_held():
    """Leave events_held empty after a transactional test (unmanaged, so Django's flush skips it)."""
    yield
    events_held_empty()


@pytest.fixture
def placer():
    return UserFactory(username="legal-placer")


@pytest.fixture
def releaser():
    return UserFactory(username="legal-releaser")
