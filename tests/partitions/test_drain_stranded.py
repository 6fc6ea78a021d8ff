"""A drain table left behind (all its rows moved out of DEFAULT, never attached) is finished by the next run,
or, when a partition already covers its month, named as blocked and shown as a problem: never skipped."""

import pytest
from django.db import connection
from django.utils import timezone

from partitions.catalog import catalog_read
from partitions.drain import default_drain, drains_pending
from partitions.models import MaintenanceRun
from partitions.planner import Reason, partition_name, plan_table
from partitions.registry import registry_entries
from partitions.services import partitions_apply
from tests.factories import UserFactory
from tests.partitions.test_drain import (  # noqa: F401 (month_in_default is a fixture)
    BATCH,
    DRAIN_TABLE,
    MONTH,
    ROWS,
    create_action,
    ids_in,
    month_in_default,
)
from tests.support.partitions import attach_month, partition_names, rows_by_partition

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("clean_partitions", "month_in_default"),
]


def drained_then_crashed() -> None:
    """Every row of March moved into the drain table, then the worker died before the create's ATTACH."""
    entry, action, default, columns = create_action()
    default_drain(entry=entry, action=action, columns=columns, default=default, batch=BATCH)
    assert ids_in("events_default") == [] and len(ids_in(DRAIN_TABLE)) == ROWS


def searchable_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM events WHERE plate_number LIKE 'DR%%'")
        return cursor.fetchone()[0]


def test_the_next_run_finishes_a_drain_whose_rows_all_left_default():
    drained_then_crashed()
    entry = registry_entries(table="events")[0]
    assert catalog_read([entry])["events"].drain_tables == {MONTH: DRAIN_TABLE}

    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")

    march = partition_name("events", MONTH)
    [create] = [action for action in run.actions if action["partition"] == march]
    assert (run.status, create["result"]) == ("success", "success")
    assert [a["reason"] for a in run.plan if a["partition"] == march] == [
        f"finish the drain of {DRAIN_TABLE}"
    ]
    assert rows_by_partition("events") == {march: ROWS}
    assert searchable_rows() == ROWS
    assert drains_pending() == []
    assert catalog_read([entry])["events"].drain_tables == {}


def test_a_drain_table_whose_month_is_already_covered_is_blocked_and_shown_not_skipped(client):
    drained_then_crashed()
    march = attach_month("events", MONTH)  # made by hand, or by a later create
    entry = registry_entries(table="events")[0]
    snapshot = catalog_read([entry])["events"]

    plan = plan_table(entry, snapshot, now=timezone.now(), wall_now=timezone.now())

    assert not [a for a in plan.actions if a.partition == march or a.reason is Reason.DRAIN]
    [sentence] = [s for s in plan.blocked if DRAIN_TABLE in s]
    assert march in sentence and "by hand" in sentence
    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")
    assert len(ids_in(DRAIN_TABLE)) == ROWS  # left alone, never dropped
    # Not a success: the run says what it could not do, naming the drain table.
    assert run.status in {MaintenanceRun.Status.PARTIAL, MaintenanceRun.Status.FAILED}
    assert DRAIN_TABLE in run.error
    assert march in partition_names("events")

    client.force_login(UserFactory(groups=["Operations"]))
    page = client.get("/partitions/").content.decode()
    assert f"{DRAIN_TABLE} holds rows drained out of" in page
