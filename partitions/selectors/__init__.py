"""Reads of the partitions app, for the pages, status.json, the command and /readyz.

`status` reads each table's health from the catalog and the run history (`status_report` holds what it
returns), `runs` the maintenance runs, `preview` the dry-run plan, `metrics` the numbers /metrics shows. The
rest of the app imports from here.
"""

from partitions.selectors.metrics import PartitionsMetrics, TableMetrics, partitions_metrics, run_states
from partitions.selectors.preview import PlanPreview, PlanRow, action_why, plan_preview
from partitions.selectors.runs import (
    JobStats,
    RunSummary,
    maintenance_job_stats,
    maintenance_run_in_progress,
    maintenance_runs_last,
    maintenance_runs_recent,
    run_first_error,
    run_in_progress,
    run_not_carried_out,
    runs_abandoned_show,
    runs_alive,
)
from partitions.selectors.status import (
    partitions_critical_problems,
    partitions_home_summary,
    partitions_overview,
    table_status_list,
)
from partitions.selectors.status_report import PartitionStatus, StatusOverview, TableStatus

__all__ = [
    "JobStats",
    "PartitionStatus",
    "PartitionsMetrics",
    "PlanPreview",
    "PlanRow",
    "RunSummary",
    "StatusOverview",
    "TableMetrics",
    "TableStatus",
    "action_why",
    "maintenance_job_stats",
    "maintenance_run_in_progress",
    "maintenance_runs_last",
    "maintenance_runs_recent",
    "partitions_critical_problems",
    "partitions_home_summary",
    "partitions_metrics",
    "partitions_overview",
    "plan_preview",
    "run_first_error",
    "run_in_progress",
    "run_not_carried_out",
    "run_states",
    "runs_abandoned_show",
    "runs_alive",
    "table_status_list",
]
