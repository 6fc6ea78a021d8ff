"""The status page answers "is ingestion safe?": one verdict line, until when each table is covered, times
with their zone and how long ago, advice on an empty DEFAULT partition that is large on disk."""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from partitions import health
from partitions.models import MaintenanceRun
from partitions.planner import month_index, month_label, month_start, partition_name
from partitions.services import partitions_apply
from tests.factories import UserFactory, insert_events

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(None, tick=False)]


@pytest.fixture
def current() -> int:
    return month_index(timezone.now())


@pytest.fixture
def ops_client(client):
    client.force_login(UserFactory(groups=["Operations"]))
    return client


def summary(html: str) -> str:
    """Return the summary card's HTML, white space folded."""
    start = html.index('id="summary"')
    return " ".join(html[start : html.index('<div class="actions">', start)].split())


def card(html: str, table: str) -> str:
    start = html.index(f'id="table-{table}"')
    return html[start : html.index("</section>", start)]


def test_a_healthy_site_says_ingestion_is_safe_and_until_when_in_one_line(ops_client, current):
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI)

    response = ops_client.get("/partitions/")

    html = response.content.decode()
    through = month_label(current + 3)
    assert response.context["overview"].verdict.health == "ok"
    last_day = (timezone.now() + dt.timedelta(days=7)).astimezone(dt.UTC).date().isoformat()
    assert (
        f'<span class="badge ok">ok</span> <strong>Ingestion is safe: alert_queue covered through '
        f"{last_day}; events and audit_log covered through {through}." in summary(html)
    )
    assert f"covered through {last_day} (7 of 7 days ahead)" in summary(html)
    assert f"covered through {through} (3 of 3 months ahead)" in summary(html)
    assert f"<dt>Covered through</dt><dd>{through}</dd>" in card(html, "events")


def test_times_on_the_status_page_carry_their_zone_and_how_long_ago_they_are(ops_client):
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI)

    maintenance = summary(ops_client.get("/partitions/").content.decode()).split("Maintenance:")[1]

    assert ' UTC</time> <span class="muted">(just now)</span>' in maintenance
    assert "next run <time" in maintenance
    assert "(in " in maintenance


def test_a_missing_next_month_makes_the_verdict_say_ingestion_is_at_risk_and_why(ops_client, current):
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE "{partition_name("events", current + 1)}"')

    response = ops_client.get("/partitions/")

    verdict = response.context["overview"].verdict
    assert verdict.health == "critical"
    assert verdict.text.startswith(
        f"Ingestion is at risk: {partition_name('events', current + 1)} (next month"
    )
    assert 'class="card verdict critical"' in response.content.decode()


def test_rows_waiting_in_default_leave_ingestion_safe_with_a_warning_counted(ops_client, current):
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI)
    insert_events(collector_id=uuid.uuid4(), captured_at=month_start(current + 9).replace(day=3))

    verdict = ops_client.get("/partitions/").context["overview"].verdict

    assert verdict.health == "warning"
    assert verdict.text.startswith("Ingestion is safe:")
    assert verdict.text.endswith("1 warning below.")


def test_an_empty_default_partition_large_on_disk_is_flagged_with_what_to_do_and_stays_healthy(
    ops_client, monkeypatch
):
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI)
    monkeypatch.setattr(health, "DEFAULT_BLOAT_BYTES", 1)  # any size counts as large here

    response = ops_client.get("/partitions/")

    events = card(response.content.decode(), "events")
    assert '<ul class="notes">' in events
    assert "events_default is empty but takes" in events
    assert "VACUUM events_default" in events
    assert response.context["overview"].verdict.health == "ok"


def test_the_chart_comes_wide_and_compact_with_a_legend_for_the_months_ahead(ops_client):
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI)

    events = card(ops_client.get("/partitions/").content.decode(), "events")

    assert events.count('<svg class="chart wide"') == 1
    assert events.count('<svg class="chart compact"') == 1
    assert events.count('<rect class="bar ready"') == 2 * 3  # the three months ahead, in both charts
    assert "ready, empty (created ahead)</li>" in events
    assert '<line class="grid"' in events
