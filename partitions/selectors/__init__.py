"""Reads of the partitions app, for the pages, status.json, the command and /readyz.

`status` reads each table's health from the catalog and the run history, `runs` the maintenance runs,
`preview` the dry-run plan. The rest of the app imports from here.
"""

from partitions.selectors.preview import PlanPreview, PlanRow, action_why, plan_preview
from partitions.selectors.runs import (
    JobStats,
    RunSummary,
    maintenance_job_stats,
    maintenance_runs_last,
    maintenance_runs_recent,
    run_first_error,
    run_not_carried_out,
)
from partitions.selectors.status import (
    PartitionStatus,
    StatusOverview,
    TableStatus,
    partitions_critical_problems,
    partitions_overview,
    table_status_list,
)

__all__ = [
    "JobStats",
    "PartitionStatus",
    "PlanPreview",
    "PlanRow",
    "RunSummary",
    "StatusOverview",
    "TableStatus",
    "action_why",
    "maintenance_job_stats",
    "maintenance_runs_last",
    "maintenance_runs_recent",
    "partitions_critical_problems",
    "partitions_overview",
    "plan_preview",
    "run_first_error",
    "run_not_carried_out",
    "table_status_list",
]
