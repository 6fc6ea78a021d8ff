"""/metrics: when the audit log's hash chain was last verified, and whether it held."""

import datetime as dt

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from core.models import AuditVerification

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(None, tick=False)]


def scrape(client) -> dict[str, float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
        if sample.name.startswith("chaverim_audit_")
    }


def verification(*, ok: bool, hours_ago: float) -> AuditVerification:
    return AuditVerification.objects.create(
        checked_at=timezone.now() - dt.timedelta(hours=hours_ago),
        trigger=AuditVerification.Trigger.BEAT,
        ok=ok,
        rows=10,
        start_position=0,
        seconds=0.1,
    )


def test_a_chain_never_verified_has_an_infinite_age_and_no_result(client):
    scraped = scrape(client)

    assert scraped == {"chaverim_audit_chain_last_verification_age_seconds": float("inf")}


def test_the_last_verification_gives_the_age_and_the_result(client):
    verification(ok=True, hours_ago=30)
    verification(ok=False, hours_ago=2)

    scraped = scrape(client)

    assert scraped["chaverim_audit_chain_last_verification_age_seconds"] == 2 * 3600
    assert scraped["chaverim_audit_chain_last_verification_ok"] == 0


def test_an_intact_chain_reports_ok(client):
    verification(ok=True, hours_ago=1)

    assert scrape(client)["chaverim_audit_chain_last_verification_ok"] == 1
