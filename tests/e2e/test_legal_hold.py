"""Legal places a hold in the browser, maintenance retires the month, the held plate is still found on
/events/ marked held, and a second member of Legal releases the hold (the placer may not)."""

import uuid

import pytest
from django.db import connection, transaction
from django.utils import timezone
from playwright.sync_api import expect

from chaverim_admin.roles import LEGAL
from holds.models import Hold
from partitions.planner import month_index, month_start
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, UserFactory, insert_events
from tests.support.partitions import attach_month, drop_partitions, partition_names
from tests.support.subprocesses import manage

CASE = "2026-0042"
PLATE, OTHER = "HELD001", "FREE002"
EXPIRED_MONTHS_AGO = 90  # past the 84 months of retention, by the wall clock


@pytest.fixture
def retired_month(clean_platform_tables):
    """An expired month of `events` with rows of the held plate and of another; undone afterwards."""
    month = month_index(timezone.now()) - EXPIRED_MONTHS_AGO
    partition = attach_month("events", month)
    day = month_start(month).replace(day=14, hour=12)
    camera = uuid.uuid4()
    insert_events([(camera, PLATE, day), (camera, PLATE, day.replace(hour=13)), (camera, OTHER, day)])
    yield month_start(month), partition
    drop_partitions()
    with transaction.atomic(), connection.cursor() as cursor:  # as the owner, in maintenance (write-once)
        cursor.execute("SELECT set_config('chaverim.partition_maintenance', 'on', true)")
        cursor.execute("TRUNCATE events_held")


def search_month(page, start, *, plate: str) -> None:
    page.goto("/events/")
    page.fill("#id_plate", plate)
    page.fill("#id_start", f"{start:%Y-%m-%d}")
    page.fill("#id_end", f"{start:%Y-%m}-28")
    page.fill("#id_purpose", f"Case {CASE}: review of the held detections")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/events/?*purpose=*")


def test_a_hold_keeps_a_plate_through_retirement_and_a_second_person_releases_it(new_context, retired_month):
    start, partition = retired_month
    UserFactory(username="legal", groups=[LEGAL])
    UserFactory(username="legal2", groups=[LEGAL])
    legal, legal2 = new_context().new_page(), new_context().new_page()

    log_in(legal, "legal", PASSWORD)
    legal.goto("/holds/")
    legal.get_by_role("link", name="Place a hold").click()
    legal.wait_for_url("**/holds/new/")
    legal.fill("#id_case_number", CASE)
    legal.fill("#id_reason", "Court order 17: keep the detections of the suspect vehicle")
    legal.fill("#id_plate_number", "held-001")
    legal.fill("#id_starts_at", f"{start:%Y-%m-%d}")
    legal.fill("#id_ends_at", f"{start:%Y-%m}-28")
    legal.get_by_role("button", name="Place the hold").click()
    legal.wait_for_url("**/holds/*/")
    hold = Hold.objects.get()
    assert f"Hold #{hold.pk} placed for case {CASE}" in legal.locator(".messages").inner_text()
    assert hold.plate_number == PLATE
    # Under the two-person rule the placer is not offered the release.
    assert "another member of Legal must release it" in legal.locator("main").inner_text()
    assert legal.get_by_role("button", name=f"Release hold #{hold.pk}").count() == 0

    rotated = manage("partitions", "rotate", "--table", "events")
    assert rotated.returncode == 0, rotated.stdout + rotated.stderr
    assert partition not in partition_names("events")  # the month was retired

    search_month(legal, start, plate="HELD*")
    rows = legal.locator("tbody tr")
    expect(rows).to_have_count(2)
    assert all(PLATE in text and f"held · case {CASE}" in text for text in rows.all_inner_texts())
    search_month(legal, start, plate=OTHER)
    assert "No events match" in legal.locator("main").inner_text()  # the rest of the month is gone

    legal.goto(f"/holds/{hold.pk}/")
    assert "2 detections of retired months" in legal.locator("main").inner_text()

    log_in(legal2, "legal2", PASSWORD)
    legal2.goto("/holds/")
    legal2.get_by_role("link", name=CASE).click()
    legal2.wait_for_url(f"**/holds/{hold.pk}/")
    legal2.fill("#id_release_reason", "Case closed: verdict delivered")
    legal2.get_by_role("button", name=f"Release hold #{hold.pk}").click()
    expect(legal2.locator(".messages")).to_contain_text(f"Hold #{hold.pk} (case {CASE}) released.")
    assert "legal2" in legal2.locator("main").inner_text()
    hold.refresh_from_db()
    assert (hold.released_by.username, hold.release_reason) == ("legal2", "Case closed: verdict delivered")

    legal2.goto("/holds/?status=released")
    assert CASE in legal2.locator("tbody").inner_text()

    # Released, the rows are no longer kept: the next maintenance run removes them.
    rotated = manage("partitions", "rotate", "--table", "events")
    assert rotated.returncode == 0, rotated.stdout + rotated.stderr
    search_month(legal2, start, plate=PLATE)
    assert "No events match" in legal2.locator("main").inner_text()
