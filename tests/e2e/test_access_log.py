"""A searcher looks up a plate with a purpose; an auditor finds that search on the access log."""

import datetime as dt

import pytest
from django.utils import timezone

from core.models import AuditLog
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, CollectorFactory, UserFactory, insert_events
from tests.support.audit_chain import chain_verify

pytestmark = pytest.mark.usefixtures("clean_platform_tables")

PURPOSE = "Hit and run on Main St, witness statement"
CASE = "HR-2026-0077"


def test_a_search_with_a_purpose_is_found_on_the_access_log_by_an_auditor(new_context):
    UserFactory(username="searcher")
    UserFactory(username="auditor", groups=["Auditors"])
    collector = CollectorFactory(site_name="Main St north")
    insert_events([(collector.pk, "E2E123", timezone.now() - dt.timedelta(hours=2))])
    searcher, auditor = new_context().new_page(), new_context().new_page()

    log_in(searcher, "searcher", PASSWORD)
    searcher.goto("/events/")
    assert searcher.locator("header.site nav").get_by_role("link", name="Access log").count() == 0
    searcher.fill("#id_plate", "e2e-123")
    searcher.get_by_role("button", name="Search").click()
    # The browser asks for the purpose first: the field is required.
    assert searcher.locator("#id_purpose:invalid").count() == 1
    assert not AuditLog.objects.filter(action="events.search").exists()
    searcher.fill("#id_purpose", PURPOSE)
    searcher.fill("#id_case_number", CASE)
    searcher.get_by_role("button", name="Search").click()
    searcher.wait_for_url("**/events/?*purpose=*")
    assert "Main St north" in searcher.locator("tbody").inner_text()

    log_in(auditor, "auditor", PASSWORD)
    auditor.locator("header.site nav").get_by_role("link", name="Access log").click()
    auditor.wait_for_url("**/audit/")
    auditor.fill("#id_plate", "E2E123")
    auditor.get_by_role("button", name="Filter").click()
    row = auditor.locator("#access-log tbody tr")
    assert row.count() == 1
    text = row.inner_text()
    for expected in ("searcher", "E2E123", PURPOSE, CASE, "127.0.0.1"):
        assert expected in text

    # The auditor's own looks are on the log as well, and the chain holds.
    auditor.select_option("#id_kind", "looks")
    auditor.get_by_role("button", name="Filter").click()
    assert "auditor" in auditor.locator("#access-log tbody").inner_text()
    _out, error = chain_verify()
    assert error is None
