"""An editor opens the Alerts page, filters it by plate and acknowledges a hit; a second editor is refused."""

import datetime as dt

import pytest
from django.utils import timezone

from alerts.models import Alert
from core.models import AuditLog
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, CollectorFactory, UserFactory, WatchlistEntryFactory, insert_alerts

pytestmark = pytest.mark.usefixtures("clean_platform_tables")


def _row(page, text):
    return page.locator("#alerts tbody tr", has_text=text)


def test_editor_filters_by_plate_and_acknowledges_a_hit_a_second_editor_is_refused(new_context):
    UserFactory(username="editor", groups=["Watchlist editors"])
    UserFactory(username="editor2", groups=["Watchlist editors"])
    collector = CollectorFactory(site_name="Harbour Road")
    wanted = WatchlistEntryFactory(
        plate_number="E2E777", reason="Reported at the harbour", watchlist__name="Stolen vehicles"
    )
    other = WatchlistEntryFactory(plate_number="OTHER1", watchlist__name="Unpaid tolls")
    now = timezone.now()
    insert_alerts(entry=wanted, collector_id=collector.pk, created_at=now - dt.timedelta(minutes=5))
    insert_alerts(entry=other, collector_id=collector.pk, created_at=now - dt.timedelta(minutes=1))
    first, second = new_context().new_page(), new_context().new_page()
    log_in(first, "editor", PASSWORD)
    log_in(second, "editor2", PASSWORD)

    first.goto("/alerts/")
    assert _row(first, "OTHER1").count() == 1
    first.fill("#id_plate", "e2e-777")
    first.get_by_role("button", name="Filter").click()
    first.wait_for_url("**/alerts/?*plate=e2e-777*")
    assert first.locator("#alerts tbody tr").count() == 1
    row = _row(first, "E2E777")
    for expected in ("Queued", "Stolen vehicles", "Reported at the harbour", "Harbour Road"):
        assert expected in row.inner_text()
    # The second editor has the same hit open, still queued.
    second.goto("/alerts/?plate=E2E777")

    first.get_by_role("button", name="Acknowledge the hit on E2E777").click()

    assert "Acknowledged the hit on E2E777." in first.locator(".messages").inner_text()
    assert "plate=e2e-777" in first.url  # back on the filtered page
    assert "Acknowledged" in _row(first, "E2E777").inner_text()
    assert _row(first, "E2E777").get_by_role("button").count() == 0

    second.get_by_role("button", name="Acknowledge the hit on E2E777").click()

    message = second.locator(".messages").inner_text()
    assert "This alert was changed by someone else first" in message
    assert "now acknowledged" in message
    assert "Acknowledged" in _row(second, "E2E777").inner_text()
    (hit,) = Alert.objects.filter(plate_number="E2E777")
    assert hit.status == "acknowledged"
    assert AuditLog.objects.filter(action="alert.acknowledge").count() == 1
    assert Alert.objects.get(plate_number="OTHER1").status == "queued"
