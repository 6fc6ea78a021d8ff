"""What the status shows of the tables: each one's status, the overview and its one-line verdict."""

import datetime as dt
from dataclasses import dataclass, field

from partitions.health import CRITICAL, OK, WARNING
from partitions.planner import ADJECTIVES, MONTH
from partitions.selectors.runs import JobStats, RunSummary, iso_utc


@dataclass(frozen=True)
class PartitionStatus:
    """One child of a table as the status shows it: bounds (None when unbounded), state and size."""

    name: str
    start: dt.datetime | None
    end: dt.datetime | None
    state: str
    estimated_rows: int | None
    total_bytes: int

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
            "state": self.state,
            "estimated_rows": self.estimated_rows,
            "total_bytes": self.total_bytes,
        }


@dataclass(frozen=True)
class TableStatus:
    """What the status page and `partitions status` show for one table."""

    table: str
    column: str
    health: str
    problems: list[str]
    # Periods of `interval` (months or days) covered after the current one, without a gap.
    periods_ahead: int
    default_rows: int
    partitions: list[PartitionStatus]
    premake: int
    retention: int
    retention_cutoff: dt.datetime
    # The last period (YYYY-MM or YYYY-MM-DD) covered without a gap from the current one; None: not this one.
    covered_through: str | None = None
    # Advice that leaves the health alone (an empty DEFAULT partition large on disk).
    notes: list[str] = field(default_factory=list)
    # Rows in DEFAULT dated beyond the horizon, by month, with their sources (rule 4a).
    far_future: list["FarFutureRows"] = field(default_factory=list)
    interval: str = MONTH

    @property
    def adjective(self) -> str:
        return ADJECTIVES[self.interval]

    @property
    def unit(self) -> str:
        """Return the plural of the interval, for sentences and keys: "months" or "days"."""
        return f"{self.interval}s"

    def as_dict(self) -> dict:
        """Return the table as `partitions status --json` prints it.

        Counts are keyed in the table's unit: `months_ahead` for a monthly table (the contract),
        `days_ahead` for a daily one, so no reader takes days for months.
        """
        return {
            "table": self.table,
            "interval": self.interval,
            "health": self.health,
            "problems": self.problems,
            f"{self.unit}_ahead": self.periods_ahead,
            "default_rows": self.default_rows,
            "partitions": [partition.as_dict() for partition in self.partitions],
        }

    def as_page_dict(self) -> dict:
        """Return the table as status.json shows it: the command's keys, its policy and its cutoff."""
        return {
            **self.as_dict(),
            f"premake_{self.unit}": self.premake,
            f"retention_{self.unit}": self.retention,
            "retention_cutoff": iso_utc(self.retention_cutoff),
            "covered_through": self.covered_through,
            "notes": self.notes,
            "far_future": [rows.as_dict() for rows in self.far_future],
        }


@dataclass(frozen=True)
class FarFutureRows:
    """Rows waiting in DEFAULT for a period beyond the horizon: how many, from where, and where to see it."""

    month: str  # the period's label: YYYY-MM, or YYYY-MM-DD for a daily table
    rows: int
    source: str = ""
    url: str | None = None

    def as_dict(self) -> dict:
        return {"month": self.month, "rows": self.rows, "source": self.source, "url": self.url}


@dataclass(frozen=True)
class Verdict:
    """The status page's first line: is ingestion safe, and until when."""

    health: str
    text: str


def _coverage(tables: list[TableStatus]) -> str:
    """Say until when each table is covered: `events and audit_log covered through 2027-02`."""
    by_month: dict[str, list[str]] = {}
    for status in tables:
        by_month.setdefault(status.covered_through, []).append(status.table)
    return "; ".join(
        f"{' and '.join(names)} covered through {month}" for month, names in sorted(by_month.items())
    )


def overview_verdict(tables: list[TableStatus]) -> Verdict:
    """Sum up every table in one line: critical when rows would land in DEFAULT, else covered until when."""
    if not tables:
        return Verdict(CRITICAL, "No partitioned table is registered (PARTITION_REGISTRY).")
    critical = [status for status in tables if status.health == CRITICAL]
    if critical:
        more = sum(len(status.problems) for status in critical) - 1
        also = f" (and {more} more problem{'s' if more != 1 else ''} below)" if more else ""
        return Verdict(CRITICAL, f"Ingestion is at risk: {critical[0].problems[0]}{also}")
    safe = f"Ingestion is safe: {_coverage(tables)}."
    # Job problems (a failed run) are every table's: count each once.
    warnings = len({problem for status in tables for problem in status.problems})
    if warnings:
        return Verdict(WARNING, f"{safe} {warnings} warning{'s' if warnings != 1 else ''} below.")
    return Verdict(OK, f"{safe} Nothing waits in DEFAULT; maintenance runs on schedule.")


@dataclass(frozen=True)
class StatusOverview:
    """Everything the status page and status.json show."""

    tables: list[TableStatus]
    job: JobStats
    runs: list[RunSummary]
    generated_at: dt.datetime

    @property
    def verdict(self) -> Verdict:
        return overview_verdict(self.tables)

    def as_dict(self) -> dict:
        verdict = self.verdict
        return {
            "verdict": {"health": verdict.health, "text": verdict.text},
            "tables": [status.as_page_dict() for status in self.tables],
            "job": self.job.as_dict(),
            "runs": [summary.as_dict() for summary in self.runs],
            "generated_at": iso_utc(self.generated_at),
        }
