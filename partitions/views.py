"""Pages of the partitions app: partition status, plan preview, run now, run detail."""

import logging
from dataclasses import dataclass

from celery import current_app as celery_app
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe
from django_tables2 import RequestConfig

from partitions import selectors
from partitions.chart import Chart, chart_for_table
from partitions.models import MaintenanceRun
from partitions.services import TableStatus
from partitions.tables import PartitionTable
from partitions.tasks import maintain_partitions

logger = logging.getLogger(__name__)

VIEW_PARTITIONS = "partitions.view_partitions"
RUN_MAINTENANCE = "partitions.run_maintenance"
BROKER_DOWN_MESSAGE = (
    "Maintenance was not queued: the task queue (broker) cannot be reached, so nothing was changed. "
    "On the server, `python manage.py partitions rotate` runs the same maintenance without the broker."
)


@dataclass(frozen=True)
class TableCard:
    """One partitioned table on the status page: its status, chart and sortable partitions table."""

    status: TableStatus
    chart: Chart
    table: PartitionTable


@require_safe
@permission_required(VIEW_PARTITIONS, raise_exception=True)
def partition_status(request):
    """Show each partitioned table's health, coverage, chart and partitions, and the maintenance job."""
    overview = selectors.partitions_overview(now=timezone.now())
    cards = []
    for status in overview.tables:
        # A prefix per table, so sorting one table leaves the other's order alone.
        table = PartitionTable(status.partitions, prefix=f"{status.table}-")
        RequestConfig(request, paginate=False).configure(table)
        cards.append(
            TableCard(status=status, chart=chart_for_table(status, now=overview.generated_at), table=table)
        )
    context = {
        "overview": overview,
        "cards": cards,
        "can_run": request.user.has_perm(RUN_MAINTENANCE),
        "cron": settings.PARTITION_MAINTENANCE_CRON,
    }
    return render(request, "partitions/status.html", context)


@require_safe
@never_cache
@permission_required(VIEW_PARTITIONS, raise_exception=True)
def partition_status_json(request):
    """Serve the status page's data as JSON, for monitoring."""
    return JsonResponse(selectors.partitions_overview(now=timezone.now()).as_dict())


@require_safe
@permission_required(VIEW_PARTITIONS, raise_exception=True)
def partition_plan(request):
    """Show the dry-run plan: what maintenance would do now, and why."""
    return render(request, "partitions/plan.html", {"preview": selectors.plan_preview()})


def _workers_answering() -> bool:
    """Tell whether any Celery worker answers a ping within half a second."""
    try:
        return bool(celery_app.control.ping(timeout=0.5))
    except Exception:  # the transport may not support broadcast, or the broker just went away
        logger.warning("could not ping the Celery workers", exc_info=True)
        return False


def _enqueue_maintenance(request) -> None:
    run = MaintenanceRun.objects.create(
        trigger=MaintenanceRun.Trigger.MANUAL, user=request.user, status=MaintenanceRun.Status.QUEUED
    )
    try:
        # One connection attempt and no publish retries: with kombu's defaults a refused connection is
        # retried for seconds; this way a broker outage answers within the 3 s socket connect timeout.
        with celery_app.connection_for_write(transport_options={"max_retries": 0}) as connection:
            maintain_partitions.apply_async(
                kwargs={
                    "trigger": MaintenanceRun.Trigger.MANUAL,
                    "user_id": str(request.user.pk),
                    "run_id": run.pk,
                },
                connection=connection,
                retry=False,
            )
    except Exception:  # kombu OperationalError, redis ConnectionError, or whatever the transport raises
        logger.warning("maintenance not queued: broker unreachable", exc_info=True)
        run.delete()  # it will never run: no record of a run that did not happen
        messages.error(request, BROKER_DOWN_MESSAGE)
        return
    run_url = reverse("partitions:run", args=[run.pk])
    if _workers_answering():
        messages.success(
            request,
            format_html(
                'Maintenance queued as <a href="{}">run #{}</a>; a worker starts it in a moment.',
                run_url,
                run.pk,
            ),
        )
    else:
        messages.warning(
            request,
            format_html(
                'Maintenance queued as <a href="{}">run #{}</a>, but no Celery worker answered: it will run '
                "when a worker is up. <code>python manage.py partitions rotate</code> runs maintenance now "
                "without one.",
                run_url,
                run.pk,
            ),
        )


@require_POST
@permission_required(RUN_MAINTENANCE, raise_exception=True)
def partition_run_now(request):
    """Queue maintenance now (after commit) and go back to the status page with what happened."""
    transaction.on_commit(lambda: _enqueue_maintenance(request))
    return redirect("partitions:status")


@require_safe
@permission_required(VIEW_PARTITIONS, raise_exception=True)
def maintenance_run_detail(request, pk: int):
    """Show one maintenance run: who, when, its plan and each action's result and error."""
    run = get_object_or_404(MaintenanceRun.objects.select_related("user"), pk=pk)
    done = {(action.get("table"), action.get("action"), action.get("partition")) for action in run.actions}
    not_run = [
        planned
        for planned in run.plan
        if (planned.get("table"), planned.get("action"), planned.get("partition")) not in done
    ]
    context = {"run": run, "summary": selectors.RunSummary.of(run), "not_run": not_run}
    return render(request, "partitions/run_detail.html", context)
