"""The plan, the run page and the status page say how many rows each hold keeps (as the web's role)."""

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from partitions.kept import retention_kept_rows
from partitions.models import MaintenanceRun
from partitions.planner import month_index
from partitions.services import partitions_apply
from tests.factories import UserFactory, insert_events
from tests.holds.helpers import at, hold_place, hold_release
from tests.support.db_roles import TEST_APP_ROLE
from tests.support.partitions import attach_month

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(None, tick=False)]

EXPIRED = 90
PLATE = "HELD001"
CASE = "2026-0042"


@pytest.fixture
def month() -> int:
    return month_index(timezone.now()) - EXPIRED


@pytest.fixture
def held(month, placer):
    """An expired month with two rows of P under a hold, and one other row."""
    expired = attach_month("events", month)
    insert_events(plate_number=PLATE, captured_at=at(month, 12))
    insert_events(plate_number=PLATE, captured_at=at(month, 13))
    insert_events(plate_number="FREE002", captured_at=at(month, 13))
    hold = hold_place(case=CASE, placed_by=placer, plate=PLATE, start=at(month, 1), end=at(month + 1))
    return expired, hold


def ops_client() -> Client:
    client = Client()
    client.force_login(UserFactory(groups=["Operations"]))
    return client


def test_the_plan_says_how_many_rows_each_hold_would_keep(held):
    expired, _hold = held

    response = ops_client().get(reverse("partitions:plan"))

    assert response.status_code == 200
    assert f"{expired}: at least 2 rows to keep for case {CASE}" in response.content.decode()


def test_the_run_page_says_how_many_rows_each_hold_kept_and_what_a_release_removed(held, releaser):
    expired, hold = held
    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")
    hold_release(hold, by=releaser)
    released = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")
    client = ops_client()

    page = client.get(reverse("partitions:run", args=[run.pk])).content.decode()
    release_page = client.get(reverse("partitions:run", args=[released.pk])).content.decode()

    assert f"{expired}: 2 rows kept for case {CASE}" in page
    assert f"events_held: 2 rows released by case {CASE}" in release_page
    assert "<td>release</td>" in release_page


def test_the_status_partial_lists_the_rows_kept_by_partition_and_case(held, releaser):
    expired, hold = held
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")
    template = Template("{% load partitions_retention %}{% retention_kept %}")

    html = template.render(Context({}))

    assert f"{expired}: 2 rows kept for case {CASE}" in html
    assert "released" not in html.split("</p>")[1]
    hold_release(hold, by=releaser)  # kept until the next run: shown as released meanwhile
    with connection.cursor() as cursor:  # what the web's role may read is enough
        cursor.execute(f"SET LOCAL ROLE {TEST_APP_ROLE}")
        (kept,) = retention_kept_rows()
        cursor.execute("RESET ROLE")
    assert (kept.text, kept.active) == (f"{expired}: 2 rows kept for case {CASE}", False)


def test_no_hold_no_section():
    assert Template("{% load partitions_retention %}{% retention_kept %}").render(Context({})).strip() == ""
