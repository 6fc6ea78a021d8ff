"""The maintenance policy of one registered parent, as the planner reads it."""

from dataclasses import dataclass


@dataclass(frozen=True)
class PartitionedTable:
    """One registered parent: its time column and the maintenance policy that applies to it."""

    table: str
    column: str
    premake_months: int
    retention_months: int
    retention_mode: str
    lock_timeout: float
    max_drops_per_run: int

    @property
    def default_partition(self) -> str:
        return f"{self.table}_default"
