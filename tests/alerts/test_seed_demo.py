"""seed_demo queues watchlist hits for the newest demo events whose plates are on an active watchlist."""

import datetime as dt
import io

import pytest
from django.utils import timezone

from alerts.models import Alert
from chaverim_admin.management.commands.seed_demo import Command
from tests.factories import CollectorFactory, WatchlistEntryFactory, insert_events
from watchlists.services import watchlist_entry_soft_delete, watchlist_soft_delete

pytestmark = pytest.mark.django_db


def _seed_alerts() -> str:
    out = io.StringIO()
    Command(stdout=out)._alerts()
    return out.getvalue()


def test_hits_match_active_entries_and_come_in_every_status():
    collector = CollectorFactory()
    now = timezone.now()
    wanted = WatchlistEntryFactory(plate_number="DEMO0011")
    watchlist_entry_soft_delete(entry_id=WatchlistEntryFactory(plate_number="DEMO0022").pk, actor=None)
    gone = WatchlistEntryFactory(plate_number="DEMO0033")
    watchlist_soft_delete(watchlist_id=gone.watchlist_id, actor=None)
    insert_events([(collector.pk, "DEMO0011", now - dt.timedelta(minutes=n)) for n in range(12)])
    insert_events([(collector.pk, plate, now) for plate in ("DEMO0022", "DEMO0033", "DEMO0044")])
    insert_events([(collector.pk, "DEMO0011", now - dt.timedelta(days=30))])  # too old to be queued still

    assert "Queued 12 demo watchlist hits" in _seed_alerts()

    hits = list(Alert.objects.order_by("-created_at"))
    assert {(hit.plate_number, hit.entry_id, hit.watchlist_id) for hit in hits} == {
        ("DEMO0011", wanted.pk, wanted.watchlist_id)
    }
    assert [hit.status for hit in hits[:8]] == ["queued"] * 8
    assert {hit.status for hit in hits[8:]} == {"sent", "acknowledged", "failed"}
    assert all((hit.processed_at is None) == (hit.status == "queued") for hit in hits)
    assert all(hit.created_at == hit.event_captured_at + dt.timedelta(seconds=2) for hit in hits)


def test_a_second_run_adds_nothing():
    collector = CollectorFactory()
    WatchlistEntryFactory(plate_number="DEMO0011")
    insert_events([(collector.pk, "DEMO0011", timezone.now())])
    _seed_alerts()

    _seed_alerts()

    assert Alert.objects.count() == 1
