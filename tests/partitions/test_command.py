"""`manage.py partitions status|plan|rotate`: the DESIGN.md contract, readable output and exit codes."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from partitions.models import MaintenanceRun
from partitions.planner import month_index, partition_name
from tests.factories import insert_events
from tests.support.db_roles import TEST_APP_ROLE
from tests.support.partitions import attach_month, partition_names
from tests.support.subprocesses import manage

# The clock stands still at the start of each test (in this process), so a test never straddles a month end.
pytestmark = pytest.mark.time_machine(None, tick=False)


@pytest.fixture
def current() -> int:
    """This UTC month, read when the test starts (the clock is pinned there for the whole test)."""
    return month_index(timezone.now())


ACTION_KEYS = {"table", "action", "partition", "from", "to", "default_rows"}


def run(*args: str) -> str:
    out = StringIO()
    call_command("partitions", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_plan_json_lists_actions_with_the_contract_keys_and_offsets():
    insert_events(captured_at=dt.datetime(2027, 5, 3, tzinfo=dt.UTC))

    plan = json.loads(run("plan", "--json", "--now", "2027-04-30T23:30:00-02:00"))

    assert dt.datetime.fromisoformat(plan["now"]).utcoffset() is not None
    assert all(set(action) >= ACTION_KEYS for action in plan["actions"])
    events = [a for a in plan["actions"] if a["table"] == "events"]
    assert events[0]["partition"] == "events_2027_05"  # 01:30 UTC on 1 May
    assert events[0]["default_rows"] == 1
    assert events[0]["from"] == "2027-05-01T00:00:00+00:00"
    assert partition_names("events") == []


@pytest.mark.django_db
def test_plan_reads_clearly_without_json(current):
    insert_events(captured_at=timezone.now())

    text = run("plan", "--table", "events")

    assert f"create  {partition_name('events', current)}" in text
    assert "current month; moves 1 row from DEFAULT" in text
    assert "audit_log" not in text


@pytest.mark.django_db
def test_rotate_json_reports_the_run_and_each_result():
    result = json.loads(run("rotate", "--json", "--table", "events"))

    assert result["status"] == "success"
    assert MaintenanceRun.objects.get(pk=result["run"]).trigger == "cli"
    assert [a["result"] for a in result["actions"]] == ["success"] * 4
    assert all(ACTION_KEYS | {"result", "error"} <= set(a) for a in result["actions"])
    assert json.loads(run("rotate", "--json", "--table", "events"))["actions"] == []


@pytest.mark.django_db
def test_rotate_dry_run_prints_the_plan_with_no_run_and_changes_nothing():
    result = json.loads(run("rotate", "--dry-run", "--json"))

    assert result["run"] is None
    assert {a["result"] for a in result["actions"]} == {"planned"}
    assert partition_names("events") == []


@pytest.mark.django_db
def test_rotate_exits_one_when_an_action_fails(settings, current):
    settings.PARTITION_RETENTION_MODE = "detach"
    expired = attach_month("events", current - 90)
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA archive; CREATE TABLE archive."{expired}" (id int)')

    with pytest.raises(CommandError) as raised:
        run("rotate", "--table", "events")

    assert raised.value.returncode == 1
    assert "partial" in str(raised.value)


@pytest.mark.django_db
def test_status_json_has_health_problems_and_partitions(current):
    attach_month("events", current)

    status = json.loads(run("status", "--json", "--table", "events"))

    (events,) = status["tables"]
    assert events["health"] == "critical"
    assert any(partition_name("events", current + 1) in p for p in events["problems"])
    assert events["months_ahead"] == 0
    assert events["partitions"][0] == {
        "name": partition_name("events", current),
        "from": events["partitions"][0]["from"],
        "to": events["partitions"][0]["to"],
        "state": "managed",
        "estimated_rows": None,
        "total_bytes": events["partitions"][0]["total_bytes"],
    }


@pytest.mark.django_db
def test_status_reads_clearly_without_json(current):
    # A month never analysed has no row estimate (reltuples -1): "unknown", never 0. (DEFAULT may have been
    # analysed by an earlier test, so the check uses a month made here.)
    ahead = attach_month("events", current + 1)

    text = run("status")

    assert "events (captured_at): CRITICAL" in text
    assert f"! {partition_name('events', current)}" in text
    assert "events_default" in text
    assert any(ahead in line and "unknown" in line for line in text.splitlines())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("plan", "--table", "nope"), "unknown table 'nope'"),
        (("status", "--table", "events; DROP TABLE events"), "unknown table"),
        (("plan", "--now", "next tuesday"), "--now: expected an ISO-8601 timestamp"),
    ],
)
def test_bad_usage_is_a_clear_message_with_exit_code_two(args, message):
    with pytest.raises(CommandError, match=message) as raised:
        run(*args)
    assert raised.value.returncode == 2


@pytest.mark.django_db(transaction=True)
def test_command_line_exit_codes_and_json_only_on_stdout(clean_partitions):
    unknown = manage("partitions", "plan", "--table", "nope")
    bad_subcommand = manage("partitions", "shred")
    status = manage("partitions", "status", "--json")

    assert unknown.returncode == 2
    assert "unknown table 'nope'" in unknown.stderr
    assert bad_subcommand.returncode == 2
    assert status.returncode == 0
    assert {table["table"] for table in json.loads(status.stdout)["tables"]} == {
        "events",
        "audit_log",
        "alert_queue",
    }


def test_rotate_as_the_app_role_exits_one_with_one_line_naming_the_owner_role(clean_partitions):
    # PGOPTIONS starts the session as the (NOLOGIN) app role, as the web's DATABASE_URL would.
    result = manage("partitions", "rotate", PGOPTIONS=f"-c role={TEST_APP_ROLE}")

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        f"CommandError: partitions rotate needs the owner role: {TEST_APP_ROLE} does not own alert_queue, "
        "audit_log, events (run it with the owner's DATABASE_URL)"
    )
    assert partition_names("events") == []
