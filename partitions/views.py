"""Pages of the partitions app: partition status, plan preview, run now, run detail."""

from dataclasses import dataclass

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

from core.db_roles import database_role_status
from partitions import selectors
from partitions.chart import Chart, chart_for_table
from partitions.models import MaintenanceRun
from partitions.services import BrokerUnavailableError, maintenance_enqueue
from partitions.tables import PartitionTable

VIEW_PARTITIONS = "partitions.view_partitions"
RUN_MAINTENANCE = "partitions.run_maintenance"
BROKER_DOWN_MESSAGE = (
    "Maintenance was not queued: the task queue (broker) cannot be reached, so nothing was changed. "
    "On the server, `python manage.py partitions rotate` runs the same maintenance without the broker."
)


@dataclass(frozen=True)
class TableCard:
    """One partitioned table on the status page: its status, chart and sortable partitions table."""

    status: selectors.TableStatus
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
        "database_role": database_role_status(),
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


def _enqueue_and_report(request) -> None:
    """Queue maintenance for the user and leave a message saying what happened."""
    try:
        queued = maintenance_enqueue(user=request.user)
    except BrokerUnavailableError:
        messages.error(request, BROKER_DOWN_MESSAGE)
        return
    run_link = format_html(
        '<a href="{}">run #{}</a>', reverse("partitions:run", args=[queued.run.pk]), queued.run.pk
    )
    if queued.workers_answering:
        messages.success(
            request, format_html("Maintenance queued as {}; a worker starts it in a moment.", run_link)
        )
    else:
        messages.warning(
            request,
            format_html(
                "Maintenance queued as {}, but no Celery worker answered: it will run when a worker is up. "
                "<code>python manage.py partitions rotate</code> runs maintenance now without one.",
                run_link,
            ),
        )


@require_POST
@permission_required(RUN_MAINTENANCE, raise_exception=True)
def partition_run_now(request):
    """Queue maintenance now (after commit) and go back to the status page with what happened."""
    transaction.on_commit(lambda: _enqueue_and_report(request))
    return redirect("partitions:status")


@require_safe
@permission_required(VIEW_PARTITIONS, raise_exception=True)
def maintenance_run_detail(request, pk: int):
    """Show one maintenance run: who, when, its plan and each action's result and error."""
    run = get_object_or_404(MaintenanceRun.objects.select_related("user"), pk=pk)
    context = {
        "run": run,
        "summary": selectors.RunSummary.of(run),
        "not_run": selectors.run_not_carried_out(run),
    }
    return render(request, "partitions/run_detail.html", context)
