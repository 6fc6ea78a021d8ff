"""Rule 4a end to end: far-future rows stay in DEFAULT and are shown; `--now` cannot run away."""

import datetime as dt
import json
import uuid
from io import StringIO
from urllib.parse import urlencode

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from partitions.models import MaintenanceRun
from partitions.planner import month_index, month_label, month_start, partition_name
from partitions.selectors import table_status_list
from partitions.services import partitions_apply
from tests.factories import CollectorFactory, UserFactory, insert_events
from tests.support.partitions import attach_month, count_rows, partition_names
from tests.support.subprocesses import manage

pytestmark = pytest.mark.time_machine(None, tick=False)


@pytest.fixture
def current() -> int:
    return month_index(timezone.now())


def run(*args: str) -> str:
    out = StringIO()
    call_command("partitions", *args, stdout=out)
    return out.getvalue()


def _stray(collector, month: int, count: int = 1) -> None:
    insert_events(
        [(collector.pk, f"SKEW{i}", month_start(month) + dt.timedelta(days=2, hours=i)) for i in range(count)]
    )


@pytest.mark.django_db
def test_rows_beyond_the_horizon_are_a_warning_naming_month_count_and_collector(current):
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI)
    bridge = CollectorFactory(site_name="Bridge Street")
    far = current + 52
    _stray(bridge, far, count=3)

    events = table_status_list(table="events")[0]

    assert events.health == "warning"
    assert events.default_rows == 3
    expected = f"3 rows dated {month_label(far)} from collector Bridge Street — camera clock?"
    assert any(problem.startswith(expected) for problem in events.problems), events.problems
    [rows] = events.far_future
    assert (rows.month, rows.rows, rows.source) == (month_label(far), 3, "collector Bridge Street")
    assert f"collector={bridge.pk}" in rows.url


@pytest.mark.django_db
def test_the_status_page_links_far_future_rows_to_the_events_that_show_them(client, current):
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI)
    _stray(CollectorFactory(site_name="Bridge Street"), current + 52, count=2)
    client.force_login(UserFactory(is_superuser=True))

    page = client.get("/partitions/")
    [rows] = next(status for status in page.context["overview"].tables if status.table == "events").far_future
    # The link fills in the window and the collector; the searcher states the purpose (access log, #14).
    events = client.get(f"{rows.url}&{urlencode({'purpose': 'Checking a camera clock that runs ahead'})}")
    assert events.context["form"].is_valid(), events.context["form"].errors

    assert f'href="{rows.url.replace("&", "&amp;")}"' in page.content.decode()
    assert {event.plate_number for event in events.context["page"].events} == {"SKEW0", "SKEW1"}


@pytest.mark.django_db(transaction=True)
def test_a_rotation_leaves_far_future_rows_in_default_and_makes_no_partition_for_them(
    clean_partitions, current
):
    _stray(CollectorFactory(), current + 52)

    run_ = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")

    assert run_.status == MaintenanceRun.Status.SUCCESS
    assert partition_name("events", current + 52) not in partition_names("events")
    assert len(partition_names("events")) == 4
    assert count_rows("events_default") == 1


@pytest.mark.django_db
def test_rows_at_infinity_are_counted_and_shown(current):
    partitions_apply(trigger=MaintenanceRun.Trigger.CLI)
    insert_events([(uuid.uuid4(), f"N{i}", month_start(current + 4)) for i in range(5)])
    with connection.cursor() as cursor:
        for stamp in ("infinity", "-infinity"):
            cursor.execute(
                "INSERT INTO events (collector_id, plate_number, captured_at) "
                "VALUES (%s, 'INF', %s::timestamptz)",
                [uuid.uuid4(), stamp],
            )

    events = table_status_list(table="events")[0]

    assert events.default_rows == 7
    assert any("2 rows dated -infinity or infinity" in problem for problem in events.problems)


@pytest.mark.django_db
def test_partitions_made_far_beyond_the_horizon_are_a_warning(current):
    for offset in range(0, 24):
        attach_month("events", current + offset)

    events = table_status_list(table="events")[0]

    assert events.periods_ahead == 23
    assert any(
        problem.startswith("23 months ahead covered, more than premake (3)") for problem in events.problems
    )


# --- the command line ---------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("now", ["9999-06-01T00:00:00Z", "2040-01-01T00:00:00Z", "9999-12-31T23:59:59Z"])
def test_plan_accepts_a_far_now_and_its_plan_stays_small(now):
    actions = json.loads(run("plan", "--json", "--now", now))["actions"]

    # Two monthly tables (premake 3 and horizon 2 each) and a daily one (7 and 2 days): never thousands.
    assert len(actions) <= 2 * 6 + 10


@pytest.mark.django_db
def test_rotate_dry_run_accepts_a_far_now_and_changes_nothing():
    out = run("rotate", "--dry-run", "--json", "--now", "2040-01-01T00:00:00Z")

    assert json.loads(out)["run"] is None
    assert partition_names("events") == []


@pytest.mark.django_db
@pytest.mark.parametrize("now", ["2040-01-01T00:00:00Z", "9999-06-01T00:00:00Z"])
def test_rotate_refuses_a_now_beyond_premake_and_the_horizon_with_exit_two(now):
    with pytest.raises(
        CommandError, match="months ahead of the clock; rotate acts at most 5 ahead"
    ) as raised:
        run("rotate", "--now", now)

    assert raised.value.returncode == 2
    assert partition_names("events") == []
    assert not MaintenanceRun.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "now",
    [
        "0007-01-01T00:00:00Z",
        "1899-12-31T23:59:59Z",
        "9999-12-31T23:59:59-01:00",
        "0001-01-01T00:00:00+01:00",
    ],
)
def test_a_now_outside_the_plannable_range_is_bad_usage(now):
    with pytest.raises(CommandError, match="--now: ") as raised:
        run("plan", "--now", now)

    assert raised.value.returncode == 2


@pytest.mark.django_db(transaction=True)
def test_plan_with_year_seven_exits_two_with_one_line_and_no_traceback(clean_partitions):
    result = manage("partitions", "plan", "--now", "0007-01-01T00:00:00Z")

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    # One line (besides the structured start-up log lines of other libraries).
    assert [line for line in result.stderr.splitlines() if "--now" in line] == [
        "CommandError: --now: 0007-01-01T00:00:00+00:00 is before 1900-01-01: its retention window has no "
        "months partitions can be named for"
    ]
