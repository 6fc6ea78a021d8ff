"""The partition status page: each health state, the chart, the partitions table, runs, plan, permissions."""

import datetime as dt
import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from partitions.models import MaintenanceRun
from partitions.planner import month_index, month_start, partition_name
from partitions.services import partitions_apply
from tests.factories import UserFactory, insert_events
from tests.support.db_roles import TEST_APP_ROLE
from tests.support.partitions import attach_month, partition_names

# The clock stands still at the start of each test, so a test never straddles a month end.
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(None, tick=False)]


@pytest.fixture
def current() -> int:
    """This UTC month, read when the test starts (the clock is pinned there for the whole test)."""
    return month_index(timezone.now())


def at(month: int, day: int = 15) -> dt.datetime:
    return month_start(month).replace(day=day, hour=12)


@pytest.fixture
def ops_client(client):
    client.force_login(UserFactory(groups=["Operations"]))
    return client


def rotate() -> MaintenanceRun:
    return partitions_apply(trigger=MaintenanceRun.Trigger.CLI)


def card(html: str, table: str) -> str:
    """Return the HTML of one table's card on the status page."""
    start = html.index(f'id="table-{table}"')
    return html[start : html.index("</section>", start)]


def summary_line(html: str, table: str) -> str:
    summary = html[html.index('id="summary"') :]
    line = summary[: summary.index(f'href="#table-{table}"')]
    return line[line.rindex("<li>") :]


def rendered(response, table: str, column: str) -> dict[str, str]:
    """Map each partition of a table to a column's cell as the partitions table renders it."""
    card_ = next(card_ for card_ in response.context["cards"] if card_.status.table == table)
    return {row.record.name: str(row.get_cell(column)) for row in card_.table.rows}


def row_names(response, table: str) -> list[str]:
    card_ = next(card_ for card_ in response.context["cards"] if card_.status.table == table)
    return [row.record.name for row in card_.table.rows]


def status_of(response, table: str):
    return next(status for status in response.context["overview"].tables if status.table == table)


# --- health states ---------------------------------------------------------------------------------------


def test_after_a_rotation_both_tables_are_healthy_and_say_so_on_top(ops_client):
    rotate()

    response = ops_client.get("/partitions/")

    assert response.status_code == 200
    html = response.content.decode()
    for table in ("events", "audit_log"):
        assert status_of(response, table).health == "ok"
        assert 'class="badge ok">ok<' in summary_line(html, table)
        assert "3 of 3 months ahead" in html
    # The one-line health summary comes before everything else on the page.
    assert html.index('id="summary"') < html.index('id="table-events"') < html.index('id="runs"')


def test_next_month_missing_is_critical_and_named(ops_client, current):
    rotate()
    next_month = partition_name("events", current + 1)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE "{next_month}"')

    response = ops_client.get("/partitions/")

    events = card(response.content.decode(), "events")
    assert status_of(response, "events").health == "critical"
    assert 'class="badge critical">critical<' in events
    assert f"{next_month} (next month" in events
    assert status_of(response, "audit_log").health == "ok"


def test_rows_waiting_in_default_are_a_warning_with_their_count(ops_client, current):
    rotate()
    insert_events([(uuid.uuid4(), f"DEF{i}", at(current + 5, day=1 + i)) for i in range(2)])

    response = ops_client.get("/partitions/")

    events = card(response.content.decode(), "events")
    assert status_of(response, "events").health == "warning"
    assert status_of(response, "events").default_rows == 2
    assert "events_default holds 2 rows" in events
    assert "<dt>Rows waiting in DEFAULT</dt><dd>2</dd>" in events


def test_a_failed_last_run_is_a_warning_with_its_error(ops_client, current):
    rotate()
    failed = MaintenanceRun.objects.create(
        trigger=MaintenanceRun.Trigger.BEAT,
        status=MaintenanceRun.Status.FAILED,
        finished_at=timezone.now(),
        actions=[
            {
                "table": "events",
                "action": "create",
                "partition": partition_name("events", current + 4),
                "result": "failed",
                "sqlstate": "55P03",
                "error": "55P03: canceling statement due to lock timeout",
            }
        ],
        error="create x: 55P03: canceling statement due to lock timeout",
    )

    response = ops_client.get("/partitions/")

    html = response.content.decode()
    assert status_of(response, "events").health == "warning"
    assert f"The last maintenance run (#{failed.pk}" in card(html, "events")
    runs = html[html.index('id="runs"') :]
    assert f'href="/partitions/runs/{failed.pk}/"' in runs
    assert "<code>55P03</code>" in runs
    assert "canceling statement due to lock timeout" in runs
    assert response.context["overview"].job.failures == 1
    assert response.context["overview"].job.total_runs == 2


def test_never_analysed_partitions_show_unknown_rows_and_analysed_ones_their_estimate(ops_client, current):
    rotate()
    insert_events([(uuid.uuid4(), f"AN{i}", at(current, day=1 + i)) for i in range(3)])
    analysed = partition_name("events", current)
    with connection.cursor() as cursor:
        cursor.execute(f'ANALYZE "{analysed}"')

    response = ops_client.get("/partitions/")

    rows = rendered(response, "events", "estimated_rows")
    assert rows[analysed] == "3"
    assert rows[partition_name("events", current + 1)] == "unknown"
    events = card(response.content.decode(), "events")
    assert ">unknown</td>" in events
    # In the chart, a month ahead that was never analysed is ready and empty, not unknown.
    assert f"{partition_name('events', current + 1)}: ready, empty (created ahead)" in events


# --- chart -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("months", [0, 1, 96])
def test_the_chart_is_inline_svg_with_one_bar_per_monthly_partition(ops_client, months, current):
    for offset in range(months):
        attach_month("events", current - offset)

    response = ops_client.get("/partitions/")

    events = card(response.content.decode(), "events")
    svg = events[events.index("<svg") : events.index("</svg>")]
    assert svg.count('<rect class="bar') == months
    if months:
        assert ">today</text>" in svg
    else:
        assert "No monthly partitions yet" in svg
    if months == 96:
        assert ">retention cutoff</text>" in svg
        assert svg.count('text-anchor="middle"') <= 12  # month labels thinned out
    assert "<script" not in response.content.decode()


def test_each_bar_tooltip_gives_estimated_rows_and_size(ops_client, current):
    attach_month("events", current)

    response = ops_client.get("/partitions/")

    svg = card(response.content.decode(), "events")
    assert re.search(rf"<title>{partition_name('events', current)}: unknown rows \(never analysed\), \d", svg)


# --- partitions table ------------------------------------------------------------------------------------


def test_partitions_table_sorts_by_size_and_rows_per_table(ops_client, current):
    rotate()
    insert_events([(uuid.uuid4(), f"S{i}", at(current + 2, day=1)) for i in range(50)])
    with connection.cursor() as cursor:
        cursor.execute(f'ANALYZE "{partition_name("events", current + 2)}"')

    by_rows = ops_client.get("/partitions/", {"events-sort": "-estimated_rows"})
    by_name = ops_client.get("/partitions/", {"events-sort": "name"})

    assert row_names(by_rows, "events")[0] == partition_name("events", current + 2)
    names = row_names(by_name, "events")
    assert names == sorted(names)
    assert row_names(by_rows, "audit_log") == row_names(by_name, "audit_log")  # each table sorts on its own
    assert by_rows.status_code == by_name.status_code == 200


def test_a_bad_sort_parameter_is_ignored(ops_client):
    response = ops_client.get("/partitions/", {"events-sort": "nope", "audit_log-sort": "-total_bytes"})
    assert response.status_code == 200


# --- job stats and runs ----------------------------------------------------------------------------------


def test_job_stats_show_last_run_success_duration_next_run_and_counts(ops_client, settings):
    settings.PARTITION_MAINTENANCE_CRON = "15 * * * *"
    run = rotate()

    response = ops_client.get("/partitions/")

    job = response.context["overview"].job
    assert job.last_run.pk == run.pk
    assert job.last_success.pk == run.pk
    assert job.status == "success"
    assert job.next_run.minute == 15 and job.next_run > timezone.now()
    assert (job.total_runs, job.failures) == (1, 0)
    html = response.content.decode()
    assert f"{job.next_run:%Y-%m-%d %H:%M} UTC" in html


def test_last_runs_list_at_most_twenty_newest_first_with_user_and_action_count(ops_client):
    user = UserFactory(username="dana")
    start = timezone.now() - dt.timedelta(days=2)
    for n in range(25):
        MaintenanceRun.objects.create(
            trigger=MaintenanceRun.Trigger.MANUAL,
            user=user,
            status=MaintenanceRun.Status.SUCCESS,
            started_at=start + dt.timedelta(hours=n),
            finished_at=start + dt.timedelta(hours=n, seconds=2),
            actions=[{"result": "success"}] * (n % 3),
        )

    response = ops_client.get("/partitions/")

    runs = response.context["overview"].runs
    assert len(runs) == 20
    assert runs[0].run.started_at == start + dt.timedelta(hours=24)
    assert runs[0].actions == 24 % 3
    assert "dana" in response.content.decode()
    assert response.context["overview"].job.total_runs == 25


# --- cost ------------------------------------------------------------------------------------------------


def _page_queries(client) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/partitions/")
    assert response.status_code == 200
    return [query["sql"] for query in captured]


def test_the_page_costs_the_same_fixed_number_of_queries_for_12_and_96_partitions(
    ops_client, django_assert_num_queries, current
):
    MaintenanceRun.objects.create(trigger=MaintenanceRun.Trigger.BEAT, status=MaintenanceRun.Status.SUCCESS)
    for offset in range(12):
        attach_month("events", current + 3 - offset)
    few = _page_queries(ops_client)
    for offset in range(12, 96):
        attach_month("events", current + 3 - offset)
    insert_events(captured_at=at(current + 5))

    many = _page_queries(ops_client)

    assert len(many) == len(few)
    # session, user, permissions (user, groups); recent runs; catalog (savepoint here, time zone,
    # children, look-alikes, DEFAULT rows, release); last run and last success per table (3 tables);
    # job totals, last success; the web's database role; the audit chain's last verification; rows kept by
    # legal holds (events_held); drains not attached yet
    assert len(few) == 23
    with django_assert_num_queries(23):
        ops_client.get("/partitions/")
    assert not any(re.search(r'count\(\*\).*from "events"(\s|$)', sql, re.I | re.S) for sql in many)


# --- plan preview and run detail -------------------------------------------------------------------------


def test_plan_preview_lists_each_action_with_bounds_rows_and_why(ops_client, current):
    attach_month("events", current - 90)
    insert_events(captured_at=at(current + 5))

    response = ops_client.get("/partitions/plan/")

    assert response.status_code == 200
    rows = {row.action.partition: row for row in response.context["preview"].rows}
    assert rows[partition_name("events", current)].why == "current month not created yet"
    assert rows[partition_name("events", current + 1)].why == "next month not created yet"
    assert rows[partition_name("events", current + 2)].why == "2 months ahead not created yet (premake is 3)"
    waiting = rows[partition_name("events", current + 5)]
    assert waiting.action.default_rows == 1
    assert waiting.why.startswith("rows waiting in DEFAULT for this month")
    dropped = rows[partition_name("events", current - 90)]
    assert dropped.action.action == "drop"
    assert dropped.why.startswith(
        f"older than retention (84 months): upper bound {month_start(current - 89):%Y-%m-%d} ≤ cutoff "
    )
    html = response.content.decode()
    assert "older than retention (84 months)" in html
    assert f"<td>{month_start(current + 5):%Y-%m-%d}</td>" in html
    assert partition_name("events", current - 90) in partition_names("events")  # a preview changes nothing


def test_plan_preview_says_so_when_there_is_nothing_to_do(ops_client):
    rotate()

    response = ops_client.get("/partitions/plan/")

    assert response.context["preview"].rows == []
    assert "Nothing to do" in response.content.decode()


def test_run_detail_shows_each_action_with_its_sqlstate_and_what_was_not_carried_out(ops_client):
    run = MaintenanceRun.objects.create(
        trigger=MaintenanceRun.Trigger.MANUAL,
        user=UserFactory(username="ops-lead"),
        status=MaintenanceRun.Status.PARTIAL,
        finished_at=timezone.now(),
        plan=[
            {
                "table": "events",
                "action": "create",
                "partition": "events_2031_01",
                "from": "2031-01-01T00:00:00+00:00",
                "to": "2031-02-01T00:00:00+00:00",
                "default_rows": 0,
                "reason": "current month",
            },
            {
                "table": "events",
                "action": "create",
                "partition": "events_2031_02",
                "from": "2031-02-01T00:00:00+00:00",
                "to": "2031-03-01T00:00:00+00:00",
                "default_rows": 0,
                "reason": "premake (1 ahead)",
            },
            {
                "table": "events",
                "action": "drop",
                "partition": "events_2024_01",
                "from": "2024-01-01T00:00:00+00:00",
                "to": "2024-02-01T00:00:00+00:00",
                "default_rows": 0,
                "reason": "past retention (84 months)",
            },
        ],
        actions=[
            {
                "table": "events",
                "action": "create",
                "partition": "events_2031_01",
                "from": "2031-01-01T00:00:00+00:00",
                "to": "2031-02-01T00:00:00+00:00",
                "result": "success",
                "sqlstate": None,
                "error": None,
                "moved_rows": 0,
                "attempts": 1,
                "seconds": 0.01,
            },
            {
                "table": "events",
                "action": "create",
                "partition": "events_2031_02",
                "from": "2031-02-01T00:00:00+00:00",
                "to": "2031-03-01T00:00:00+00:00",
                "result": "failed",
                "sqlstate": "55P03",
                "error": "55P03: canceling statement due to lock timeout",
                "attempts": 3,
            },
        ],
        error="create events_2031_02: 55P03: canceling statement due to lock timeout",
    )

    response = ops_client.get(f"/partitions/runs/{run.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "ops-lead" in html
    assert "<code>55P03</code>" in html
    assert "Planned but not carried out" in html
    assert [planned["partition"] for planned in response.context["not_run"]] == ["events_2024_01"]
    assert response.context["summary"].sqlstate == "55P03"


def test_run_detail_of_an_unknown_run_is_404(ops_client):
    assert ops_client.get("/partitions/runs/999999/").status_code == 404


# --- permissions -----------------------------------------------------------------------------------------

PAGES = ["/partitions/", "/partitions/status.json", "/partitions/plan/"]


@pytest.mark.parametrize("path", PAGES)
def test_staff_without_the_permission_get_403(client, path):
    client.force_login(UserFactory())
    assert client.get(path).status_code == 403


def test_staff_without_the_permission_get_403_on_a_run(client):
    run = MaintenanceRun.objects.create(trigger=MaintenanceRun.Trigger.BEAT)
    client.force_login(UserFactory(groups=["Watchlist editors"]))
    assert client.get(f"/partitions/runs/{run.pk}/").status_code == 403


@pytest.mark.parametrize("path", [*PAGES, "/partitions/runs/1/"])
def test_anonymous_users_go_to_the_login_page(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_nav_links_to_partitions_only_for_those_who_may_see_them(client):
    client.force_login(UserFactory(groups=["Operations"]))
    assert 'href="/partitions/"' in client.get("/").content.decode()
    client.force_login(UserFactory(groups=["Watchlist editors"]))
    assert 'href="/partitions/"' not in client.get("/").content.decode()


def test_the_page_names_the_web_role_and_warns_only_when_it_could_drop_partitions(ops_client):
    response = ops_client.get("/partitions/")

    # Web requests run as the app role in the test suite (tests/support/db_roles.py).
    assert f"The web connects to the database as <code>{TEST_APP_ROLE}</code>" in response.content.decode()
    assert b'id="database-role"' not in response.content
