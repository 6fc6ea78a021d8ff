import datetime as dt

import pytest

from tests.factories import CollectorFactory, UserFactory, WatchlistEntryFactory

NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)


@pytest.fixture
def editor():
    """A Watchlist editor: may see and acknowledge alerts."""
    return UserFactory(groups=["Watchlist editors"])


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def collector():
    return CollectorFactory(site_name="North Gate")


@pytest.fixture
def entry():
    return WatchlistEntryFactory(
        plate_number="HIT123", reason="Stolen in October", watchlist__name="Stolen vehicles"
    )


def at(minutes: int) -> dt.datetime:
    """A moment `minutes` before NOW."""
    return NOW - dt.timedelta(minutes=minutes)
