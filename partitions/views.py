"""Pages of the partitions app: partition status, plan preview, run now, run detail."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe
from django_tables2 import RequestConfig

from core.db_roles import database_role_status
from core.replica import replica_reads
from core.selectors import audit_verification_last
from partitions import selectors
from partitions.chart import chart_for_table
from partitions.chart_elements import COMPACT, Chart
from partitions.drain import drains_pending
from partitions.models import MaintenanceRun
from partitions.services import BrokerUnavailableError, MaintenanceInProgressError, maintenance_enqueue
from partitions.tables import PartitionTable

VIEW_PARTITIONS = "partitions.view_partitions"
RUN_MAINTENANCE = "partitions.run_maintenance"
RUN_REFRESH_SECONDS = 3
BROKER_DOWN_MESSAGE = (
    "Maintenance was not queued: the task queue (broker) cannot be reached, so nothing was changed. "
    "On the server, `python manage.py partitions rotate` runs the same maintenance without the broker."
)


@dataclass(frozen=True)
class TableCard:
    """One partitioned table on the status page: its status, chart and sortable partitions table."""

    status: selectors.TableStatus
    chart: Chart
    compact_chart: Chart  # the same chart for narrow screens
    table: PartitionTable


@require_safe
@permission_required(VIEW_PARTITIONS, raise_exception=True)
@replica_reads
def partition_status(request):
    """Show each partitioned table's health, coverage, chart and partitions, and the maintenance job."""
    overview = selectors.partitions_overview(now=timezone.now())
    cards = []
    for status in overview.tables:
        # A prefix per table, so sorting one table leaves the other's order alone.
        table = PartitionTable(status.partitions, prefix=f"{status.table}-")
        RequestConfig(request, paginate=False).configure(table)
        now = overview.generated_at
        cards.append(
            TableCard(
                status=status,
                chart=chart_for_table(status, now=now),
                compact_chart=chart_for_table(status, now=now, size=COMPACT),
                table=table,
            )
        )
    context = {
        "overview": overview,
        "cards": cards,
        "can_run": request.user.has_perm(RUN_MAINTENANCE),
        "cron": settings.PARTITION_MAINTENANCE_CRON,
        "database_role": database_role_status(),
        "audit_verification": audit_verification_last(),
        "drains": drains_pending(),
    }
    return render(request, "partitions/status.html", context)


@require_safe
@never_cache
@permission_required(VIEW_PARTITIONS, raise_exception=True)
@replica_reads(notice=False)
def partition_status_json(request):
    """Serve the status page's data as JSON, for monitoring."""
    return JsonResponse(selectors.partitions_overview(now=timezone.now()).as_dict())


@require_safe
@permission_required(VIEW_PARTITIONS, raise_exception=True)
def partition_plan(request):
    """Show the dry-run plan: what maintenance would do now, and why."""
    return render(request, "partitions/plan.html", {"preview": selectors.plan_preview()})


def _run_link(run: MaintenanceRun) -> str:
    return format_html('<a href="{}">run #{}</a>', reverse("partitions:run", args=[run.pk]), run.pk)


@require_POST
@permission_required(RUN_MAINTENANCE, raise_exception=True)
def partition_run_now(request):
    """Queue maintenance and show its run page; refuse a second run while one is queued or running."""
    try:
        queued = maintenance_enqueue(user=request.user)
    except MaintenanceInProgressError as exc:
        messages.warning(
            request,
            format_html(
                "Maintenance was not queued again: {} is already {} (since {} UTC). This is its page.",
                _run_link(exc.run),
                exc.run.get_status_display().lower(),
                f"{exc.run.started_at.astimezone(dt.UTC):%H:%M:%S}",
            ),
        )
        return redirect("partitions:run", pk=exc.run.pk)
    except BrokerUnavailableError:
        messages.error(request, BROKER_DOWN_MESSAGE)
        return redirect("partitions:status")
    if queued.workers_answering:
        messages.success(
            request,
            format_html(
                "Maintenance queued as {}. This page refreshes itself until the run has finished.",
                _run_link(queued.run),
            ),
        )
    else:
        messages.warning(
            request,
            format_html(
                "Maintenance queued as {}, but no Celery worker answered: it will run when a worker is up. "
                "<code>python manage.py partitions rotate</code> runs maintenance now without one.",
                _run_link(queued.run),
            ),
        )
    return redirect("partitions:run", pk=queued.run.pk)


@require_safe
@permission_required(VIEW_PARTITIONS, raise_exception=True)
def maintenance_run_detail(request, pk: int):
    """Show one maintenance run: who, when, its plan and each action's result and error."""
    run = get_object_or_404(MaintenanceRun.objects.select_related("user"), pk=pk)
    selectors.runs_abandoned_show([run])  # "running" whose process is gone: shown as abandoned
    in_progress = selectors.run_in_progress(run, now=timezone.now())
    context = {
        "run": run,
        "summary": selectors.RunSummary.of(run),
        "not_run": selectors.run_not_carried_out(run),
        "in_progress": in_progress,
        # The page reloads itself (a meta refresh, no script) until the run has finished.
        "refresh_seconds": RUN_REFRESH_SECONDS if in_progress else None,
    }
    return render(request, "partitions/run_detail.html", context)
