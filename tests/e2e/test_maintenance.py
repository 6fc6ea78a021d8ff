"""An operator previews and runs maintenance in the browser, and a real worker carries it out."""

import uuid

import pytest

from chaverim_admin.celery import app
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


def _finished_run_listed(page) -> bool:
    runs = page.locator("#runs").inner_text()
    return "ops" in runs and "queued" not in runs and "running" not in runs


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
    assert "Maintenance queued" in page.locator(".messages").inner_text()
    run_link = page.locator(".messages").get_by_role("link")
    assert run_link.get_attribute("href") == f"/partitions/runs/{MaintenanceRun.objects.get().pk}/"

    # The run is listed at once ("queued"), then "running" once the worker starts it, then finished.
    def finished_after_reload() -> bool:
        assert celery_worker_on_private_queue.running(), "the Celery worker stopped"
        page.reload()
        return _finished_run_listed(page)

    wait_until(finished_after_reload, timeout=90, interval=0.5, what="the finished run in the list")
    row = page.locator("#runs tbody tr").first
    assert "Run now (web)" in row.inner_text()
    assert "success" in row.inner_text()

    row.get_by_role("link").first.click()
    assert "Maintenance run #" in page.locator("h1").inner_text()
    details = page.locator("main").inner_text()
    assert "ops" in details
    run = MaintenanceRun.objects.get()
    assert (run.trigger, run.status, run.user.username) == ("manual", "success", "ops")
    assert f"{len(run.plan)} carried out of {len(run.plan)} planned" in details

    page.goto("/partitions/plan/")
    assert "Nothing to do" in page.locator("main").inner_text()
