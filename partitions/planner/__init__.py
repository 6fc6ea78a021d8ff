"""The partition planner: pure modules, no Django, no database (an import-linter contract keeps it so).

`months` counts calendar months in UTC, `periods` months or days as the table's interval says, `bounds`
writes and reads partition bounds, `snapshot` holds what the catalog says, `policy` what the registry asks
for, and `plan` turns them into actions. The rest of the app imports from here.
"""

from partitions.planner.bounds import (
    bound_literal,
    drain_marker,
    drain_period,
    drain_table_name,
    managed_period,
    parse_bound,
)
from partitions.planner.months import (
    UTC,
    month_index,
    month_label,
    month_start,
    partition_name,
    subtract_months,
)
from partitions.planner.periods import (
    ADJECTIVES,
    DAY,
    INTERVALS,
    MONTH,
    period_index,
    period_label,
    period_partition_name,
    period_start,
)
from partitions.planner.plan import CREATE, DETACH, DROP, EXPIRE, Action, Reason, TablePlan, plan_table
from partitions.planner.policy import PartitionedTable
from partitions.planner.snapshot import DEFAULT, MANAGED, UNMANAGED, CatalogSnapshot, Child

__all__ = [
    "ADJECTIVES",
    "CREATE",
    "DAY",
    "DEFAULT",
    "DETACH",
    "DROP",
    "EXPIRE",
    "INTERVALS",
    "MANAGED",
    "MONTH",
    "UNMANAGED",
    "UTC",
    "Action",
    "CatalogSnapshot",
    "Child",
    "PartitionedTable",
    "Reason",
    "TablePlan",
    "bound_literal",
    "drain_marker",
    "drain_period",
    "drain_table_name",
    "managed_period",
    "month_index",
    "month_label",
    "month_start",
    "parse_bound",
    "partition_name",
    "period_index",
    "period_label",
    "period_partition_name",
    "period_start",
    "plan_table",
    "subtract_months",
]
