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
    # Months beyond premake that rows waiting in DEFAULT may have made for them (rule 4a); further ahead,
    # such rows stay in DEFAULT and are reported (a camera's clock, more likely than a real detection).
    future_horizon_months: int = 2
    # How long one action keeps retrying brief lock waits before it is left for the next run (rule 6).
    action_patience: float = 60.0

    @property
    def default_partition(self) -> str:
        return f"{self.table}_default"

    @property
    def horizon_months(self) -> int:
        """Return how many months after the current one may be created at most: premake plus the horizon."""
        return self.premake_months + self.future_horizon_months
