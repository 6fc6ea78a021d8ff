"""An operator previews and runs maintenance in the browser, and a real worker carries it out."""

import uuid

import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from chaverim_admin.celery import app
from partitions import sql
from partitions.models import MaintenanceRun
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, UserFactory
from tests.support.celery_worker import celery_worker
from tests.support.partitions import drop_partitions
from tests.support.waiting import wait_until


@pytest.fixture
def celery_worker_on_private_queue(clean_platform_tables):
    """Run a real Celery worker on a queue of this test's own, against the test database."""
    # A private queue: other test runs share the broker, and their tasks must not reach this database.
    queue = f"e2e-{uuid.uuid4().hex[:12]}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        with celery_worker(queue=queue) as worker:
            yield worker
    finally:
        app.conf.task_default_queue = previous
        drop_partitions()


def test_ops_user_previews_and_runs_maintenance_and_sees_the_run(page, celery_worker_on_private_queue):
    UserFactory(username="ops", groups=["Operations"])
    log_in(page, "ops", PASSWORD)

    page.locator("header.site nav").get_by_role("link", name="Partitions").click()
    page.wait_for_url("**/partitions/")
    assert "No maintenance run has been recorded yet" in page.locator("#runs").inner_text()

    page.get_by_role("link", name="Preview plan").click()
    assert "Maintenance plan (dry run)" in page.locator("h1").inner_text()
    planned = page.locator("tbody").inner_text()
    assert "events_" in planned
    assert "audit_log_" in planned
    assert "create" in planned
    assert not MaintenanceRun.objects.exists()  # a preview changes nothing

    page.go_back()
    page.get_by_role("button", name="Run now").click()
    # Run now leads to the run's own page, which refreshes itself (no script) until the worker is done.
    page.wait_for_url("**/partitions/runs/*/")
    run = MaintenanceRun.objects.get()
    assert page.url.endswith(f"/partitions/runs/{run.pk}/")
    assert f"Maintenance queued as run #{run.pk}" in page.locator(".messages").inner_text()
    assert "a moment" not in page.locator(".messages").inner_text()

    def finished_without_a_reload() -> bool:
        assert celery_worker_on_private_queue.running(), "the Celery worker stopped"
        return "success" in page.locator("h1").inner_text()

    wait_until(finished_without_a_reload, timeout=90, interval=0.5, what="the run page to show success")
    assert page.locator('meta[http-equiv="refresh"]').count() == 0  # finished: it stops refreshing
    details = page.locator("main").inner_text()
    assert "ops" in details
    run.refresh_from_db()
    assert (run.trigger, run.status, run.user.username) == ("manual", "success", "ops")
    assert f"{len(run.plan)} carried out of {len(run.plan)} planned" in details
    assert "premake (1 ahead)" in page.locator("#actions").inner_text()  # each action says why

    page.goto("/partitions/")
    row = page.locator("#runs tbody tr").first
    assert "Run now (web)" in row.inner_text()
    assert "success" in row.inner_text()

    page.goto("/partitions/plan/")
    assert "Nothing to do" in page.locator("main").inner_text()


@pytest.fixture
def private_queue_without_worker(clean_platform_tables):
    """Send Run now's tasks to a queue of this test's own that no worker reads; delete it afterwards."""
    queue = f"e2e-idle-{uuid.uuid4().hex[:12]}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        yield queue
    finally:
        app.conf.task_default_queue = previous
        with app.connection_for_write() as connection:
            connection.default_channel.queue_delete(queue)


def test_a_second_run_now_is_refused_and_the_run_page_follows_the_run_by_itself(
    page, private_queue_without_worker
):
    UserFactory(username="ops", groups=["Operations"])
    log_in(page, "ops", PASSWORD)
    page.goto("/partitions/")

    page.get_by_role("button", name="Run now").click()
    page.wait_for_url("**/partitions/runs/*/")
    run = MaintenanceRun.objects.get()
    assert f"Maintenance queued as run #{run.pk}" in page.locator(".messages").inner_text()
    assert "Queued" in page.locator("#progress").inner_text()
    assert page.locator('meta[http-equiv="refresh"]').count() == 1

    # Pressed again while the first is queued: refused, naming the run, and no second run is queued.
    page.goto("/partitions/")
    page.get_by_role("button", name="Run now").click()
    page.wait_for_url(f"**/partitions/runs/{run.pk}/")
    refused = page.locator(".messages").inner_text()
    assert f"Maintenance was not queued again: run #{run.pk} is already queued" in refused
    assert MaintenanceRun.objects.count() == 1

    # A worker takes it up: the page shows each action as it completes, without anyone reloading it.
    planned = [
        {
            "table": "events",
            "action": "create",
            "partition": "events_2031_01",
            "from": "2031-01-01T00:00:00+00:00",
            "to": "2031-02-01T00:00:00+00:00",
            "default_rows": 12345,
            "reason": "rows waiting in DEFAULT",
        },
        {
            "table": "events",
            "action": "create",
            "partition": "events_2031_02",
            "from": "2031-02-01T00:00:00+00:00",
            "to": "2031-03-01T00:00:00+00:00",
            "default_rows": 0,
            "reason": "premake (2 ahead)",
        },
    ]
    done = [
        {
            **planned[0],
            "result": "success",
            "error": None,
            "sqlstate": None,
            "moved_rows": 12345,
            "attempts": 1,
            "seconds": 0.2,
        }
    ]
    with connection.cursor() as cursor:  # as the worker carrying a run out does: else it shows as abandoned
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [sql.RUN_LOCK_NAMESPACE, run.pk])
    MaintenanceRun.objects.filter(pk=run.pk).update(status="running", plan=planned, actions=done)
    expect(page.locator("#progress")).to_contain_text("Running: 1 of 2 planned actions done", timeout=10_000)
    assert "12,345" in page.locator("#actions").inner_text()
    assert "rows waiting in DEFAULT" in page.locator("#actions").inner_text()
    assert "events_2031_02" in page.locator("#not-run").inner_text()

    finished = [
        *done,
        {
            **planned[1],
            "result": "success",
            "error": None,
            "sqlstate": None,
            "moved_rows": 0,
            "attempts": 1,
            "seconds": 0.1,
        },
    ]
    MaintenanceRun.objects.filter(pk=run.pk).update(
        status="success", actions=finished, finished_at=timezone.now()
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [sql.RUN_LOCK_NAMESPACE, run.pk])
    expect(page.locator("h1")).to_contain_text("success", timeout=10_000)
    assert page.locator("#progress").count() == 0
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    assert "2 carried out of 2 planned" in page.locator("main").inner_text()
