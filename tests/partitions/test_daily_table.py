"""The daily alert_queue in real PostgreSQL: catalog, rotation, status, CLI, page and /readyz cover it."""

import datetime as dt
import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from partitions.catalog import catalog_read
from partitions.models import MaintenanceRun
from partitions.planner import DAY, period_index
from partitions.registry import registry_entries
from partitions.selectors import partitions_critical_problems, plan_preview, table_status_list
from partitions.services import partitions_apply, partitions_plan
from tests.factories import UserFactory, WatchlistEntryFactory, insert_alerts
from tests.support.partitions import attach_day, count_rows, partition_names

# The clock stands still at the start of each test, so a test never straddles midnight.
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(None, tick=False)]

BOUNDS = """
    SELECT child.relname, pg_get_expr(child.relpartbound, child.oid)
      FROM pg_inherits JOIN pg_class AS child ON child.oid = inhrelid
     WHERE inhparent = 'alert_queue'::regclass AND child.relname <> 'alert_queue_default'
     ORDER BY 1
"""


@pytest.fixture
def today() -> dt.date:
    return timezone.now().astimezone(dt.UTC).date()


def day_name(day: dt.date) -> str:
    return f"alert_queue_{day:%Y_%m_%d}"


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


def run(*args: str) -> str:
    out = StringIO()
    call_command("partitions", *args, stdout=out)
    return out.getvalue()


def test_the_catalog_groups_default_rows_by_utc_day_whatever_the_session_time_zone():
    entry = WatchlistEntryFactory()
    # 2027-03-28: Berlin moves its clocks forward that night; 23:30 UTC on the 27th is the 28th there.
    insert_alerts(
        [
            {"created_at": dt.datetime(2027, 3, 27, 23, 30, tzinfo=dt.UTC)},
            {"created_at": dt.datetime(2027, 3, 28, 0, 30, tzinfo=dt.UTC)},
            {"created_at": dt.datetime(2027, 3, 28, 22, 59, tzinfo=dt.UTC)},
        ],
        entry=entry,
    )
    with connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'Europe/Berlin'")
    try:
        [alert_queue] = registry_entries(table="alert_queue")
        snapshot = catalog_read([alert_queue])["alert_queue"]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'")

    assert snapshot.interval == DAY
    assert snapshot.default_rows == {
        dt.date(2027, 3, 27).toordinal(): 1,
        dt.date(2027, 3, 28).toordinal(): 2,
    }


def test_rotation_makes_today_and_a_week_ahead_at_utc_midnight_and_moves_rows_into_their_day(today):
    yesterday = today - dt.timedelta(days=1)
    insert_alerts([{"created_at": noon(yesterday)}, {"created_at": noon(yesterday) + dt.timedelta(hours=11)}])

    run_ = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="alert_queue")

    assert run_.status == MaintenanceRun.Status.SUCCESS
    days = [yesterday + dt.timedelta(days=offset) for offset in range(9)]
    assert partition_names("alert_queue") == [day_name(day) for day in days]
    assert count_rows(day_name(yesterday)) == 2
    assert count_rows("alert_queue_default") == 0
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL TimeZone = 'UTC'")
        cursor.execute(BOUNDS)
        bounds = dict(cursor.fetchall())
    following = today + dt.timedelta(days=1)
    assert bounds[day_name(today)] == (
        f"FOR VALUES FROM ('{today} 00:00:00+00') TO ('{following} 00:00:00+00')"
    )
    assert partitions_plan(table="alert_queue")[0].actions == ()


def test_rows_past_retention_in_default_are_planned_for_expiry_and_days_past_it_for_dropping(today):
    old = today - dt.timedelta(days=40)
    attach_day("alert_queue", today - dt.timedelta(days=35))
    insert_alerts(created_at=noon(old))

    [plan] = partitions_plan(table="alert_queue")

    by_kind = {action.action: action for action in plan.actions if action.action != "create"}
    assert by_kind["drop"].partition == day_name(today - dt.timedelta(days=35))
    expire = by_kind["expire"]
    assert (expire.partition, expire.start, expire.default_rows) == (
        "alert_queue_default",
        dt.datetime.combine(old, dt.time(), tzinfo=dt.UTC),
        1,
    )
    assert expire.reason_text == "rows in DEFAULT past retention (30 days)"
    [row] = [row for row in plan_preview().rows if row.action.action == "expire"]
    assert row.why.startswith(f"1 row waiting in DEFAULT for {old}, past retention (30 days, cutoff ")
    assert row.why.endswith("): removed from DEFAULT, not moved")
    text = run("plan", "--table", "alert_queue")
    assert (
        f"expire  alert_queue_default          {old} → {old + dt.timedelta(days=1)}  "
        "rows in DEFAULT past retention (30 days); removes 1 row from DEFAULT"
    ) in text


def test_status_and_the_command_line_show_three_tables_the_daily_one_in_days(today):
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI)

    statuses = {status.table: status for status in table_status_list()}
    text = run("status", "--table", "alert_queue")
    as_json = json.loads(run("status", "--json"))
    plan = json.loads(run("plan", "--json", "--table", "alert_queue"))

    assert list(statuses) == ["events", "audit_log", "alert_queue"]
    alert_queue = statuses["alert_queue"]
    assert (alert_queue.health, alert_queue.periods_ahead) == ("ok", 7), alert_queue.problems
    last = today + dt.timedelta(days=7)
    assert alert_queue.covered_through == last.isoformat()
    assert text.startswith(
        "alert_queue (created_at): OK — 7 days ahead (premake 7), 0 rows in DEFAULT, retention 30 days"
    )
    assert f"  {day_name(today)}" in text
    assert [table["table"] for table in as_json["tables"]] == ["events", "audit_log", "alert_queue"]
    assert as_json["tables"][2]["days_ahead"] == 7
    assert plan["actions"] == []


def test_a_missing_day_is_critical_for_the_page_and_readyz_naming_the_partition(today):
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI)
    tomorrow = today + dt.timedelta(days=1)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE "{day_name(tomorrow)}"')

    problems = partitions_critical_problems()
    [status] = table_status_list(table="alert_queue")

    expected = f"{day_name(tomorrow)} (tomorrow, {tomorrow}) is missing: its rows go to alert_queue_default."
    assert problems == [expected]
    assert status.health == "critical"
    assert status.problems[0] == expected


def test_the_plan_preview_says_why_in_days(today):
    attach_day("alert_queue", today)

    preview = plan_preview()

    why = {row.action.partition: row.why for row in preview.rows if row.action.table == "alert_queue"}
    assert why[day_name(today + dt.timedelta(days=1))] == "tomorrow not created yet"
    assert why[day_name(today + dt.timedelta(days=3))] == "3 days ahead not created yet (premake is 7)"
    assert day_name(today) not in why


def test_the_status_page_has_a_card_and_a_chart_of_days_for_the_daily_table(client, today):
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI)
    client.force_login(UserFactory(groups=["Operations"]))

    html = client.get("/partitions/").content.decode()

    start = html.index('id="table-alert_queue"')
    card = html[start : html.index("</section>", start)]
    assert "<dt>Days covered ahead</dt><dd>7 (premake 7)</dd>" in card
    assert "Estimated rows per day of alert_queue" in card
    assert "30 days (cutoff" in card
    # Day ticks (MM-DD) under the axis, and each bar titled with its partition.
    assert f">{today:%m-%d}</text>" in card
    assert re.search(rf"<title>{day_name(today)}: unknown rows \(never analysed\)", card)
    assert f"({7} of 7 days ahead)" in html
    assert period_index(DAY, timezone.now()) == today.toordinal()


def test_rotate_with_table_alert_queue_makes_only_its_days(today):
    result = json.loads(run("rotate", "--table", "alert_queue", "--json"))

    assert result["status"] == "success"
    assert {action["table"] for action in result["actions"]} == {"alert_queue"}
    assert [action["partition"] for action in result["actions"]] == [
        day_name(today + dt.timedelta(days=offset)) for offset in range(8)
    ]
    assert partition_names("events") == []
