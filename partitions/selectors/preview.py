"""Read for the plan preview page: what maintenance would do now, and why, without changing anything."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from partitions.humanize import rows_text
from partitions.planner import DETACH, Action, PartitionedTable, Reason, TablePlan, month_index, month_label
from partitions.registry import ARCHIVE_SCHEMA, registry_entries
from partitions.services import partitions_plan


def action_why(action: Action, *, plan: TablePlan, entry: PartitionedTable) -> str:
    """Say in a sentence why the planner wants this action, from its reason and its bounds."""
    rows = rows_text(action.default_rows, grouped=True)
    if action.reason is Reason.PAST_RETENTION:
        why = (
            f"older than retention ({entry.retention_months} months): upper bound "
            f"{action.end:%Y-%m-%d} ≤ cutoff {plan.retention_cutoff.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"
        )
        if action.action == DETACH:
            why += f"; detached into schema {ARCHIVE_SCHEMA}, not dropped"
        return why
    if action.reason is Reason.DEFAULT_ROWS:
        return f"rows waiting in DEFAULT for this month: {rows} move into it"
    ahead = action.month - month_index(plan.now)
    if action.reason is Reason.CURRENT_MONTH:
        why = "current month not created yet"
    elif action.reason is Reason.PREMAKE and ahead == 1:
        why = "next month not created yet"
    elif action.reason is Reason.PREMAKE:
        why = f"{ahead} months ahead not created yet (premake is {entry.premake_months})"
    elif action.reason is Reason.BRIDGE:
        why = (
            f"{ahead} months ahead, between premake ({entry.premake_months}) and a later month made for rows "
            "waiting in DEFAULT: created so that no gap is left"
        )
    else:
        why = "gap inside retention: no partition for this month between existing ones"
    if action.default_rows:
        why += f"; {rows} waiting in DEFAULT move into it"
    return why


@dataclass(frozen=True)
class PlanRow:
    """One planned action and why it is there."""

    action: Action
    why: str


@dataclass(frozen=True)
class PlanPreview:
    """The dry-run plan of every table, and what the planner leaves alone."""

    now: dt.datetime
    rows: list[PlanRow]
    notes: list[str]


def _plan_notes(plan: TablePlan, entry: PartitionedTable) -> list[str]:
    """Return what the planner leaves alone in one table: blocked months, stranded rows, deferred drops."""
    notes = list(plan.blocked)
    notes.extend(
        f"{entry.default_partition} holds {rows_text(count, grouped=True)} for {month_label(month)}, "
        "past retention: reported, not moved."
        for month, count in sorted(plan.stranded_default_rows.items())
    )
    if plan.drops_deferred:
        notes.append(
            f"{plan.table}: {plan.drops_deferred} more partition(s) past retention wait for later runs "
            f"(at most {entry.max_drops_per_run} per run)."
        )
    return notes


def plan_preview(*, now: dt.datetime | None = None) -> PlanPreview:
    """Return the dry-run plan of every registered table with a reason per action; change nothing."""
    now = now or timezone.now()
    entries = {entry.table: entry for entry in registry_entries()}
    rows, notes = [], []
    for plan in partitions_plan(now=now):
        entry = entries[plan.table]
        rows.extend(
            PlanRow(action=action, why=action_why(action, plan=plan, entry=entry)) for action in plan.actions
        )
        notes.extend(_plan_notes(plan, entry))
    return PlanPreview(now=now, rows=rows, notes=notes)
