"""Read for the plan preview page: what maintenance would do now, and why, without changing anything."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from partitions.humanize import rows_text
from partitions.kept import retention_preview_notes
from partitions.planner import DAY, DETACH, Action, PartitionedTable, Reason, TablePlan
from partitions.registry import ARCHIVE_SCHEMA, registry_entries
from partitions.services import partitions_plan


def action_why(action: Action, *, plan: TablePlan, entry: PartitionedTable) -> str:
    """Say in a sentence why the planner wants this action, from its reason and its bounds."""
    rows = rows_text(action.default_rows, grouped=True)
    unit = entry.interval
    cutoff = f"cutoff {plan.retention_cutoff.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"
    if action.reason is Reason.PAST_RETENTION:
        retention = entry.periods_text(entry.retention)
        why = f"older than retention ({retention}): upper bound {action.end:%Y-%m-%d} ≤ {cutoff}"
        if action.action == DETACH:
            why += f"; detached into schema {ARCHIVE_SCHEMA}, not dropped"
        return why
    if action.reason is Reason.DEFAULT_PAST_RETENTION:
        return (
            f"{rows} waiting in DEFAULT for {entry.period_label(action.period)}, past retention "
            f"({entry.periods_text(entry.retention)}, {cutoff}): removed from DEFAULT, not moved"
        )
    if action.reason is Reason.DEFAULT_ROWS:
        return f"rows waiting in DEFAULT for this {unit}: {rows} move into it"
    ahead = action.period - entry.period_index(plan.now)
    if action.reason is Reason.CURRENT_MONTH:
        why = f"current {unit} not created yet"
    elif action.reason is Reason.PREMAKE and ahead == 1:
        why = f"{'tomorrow' if unit == DAY else 'next month'} not created yet"
    elif action.reason is Reason.PREMAKE:
        why = f"{entry.periods_text(ahead)} ahead not created yet (premake is {entry.premake})"
    elif action.reason is Reason.BRIDGE:
        why = (
            f"{entry.periods_text(ahead)} ahead, between premake ({entry.premake}) and a later {unit} made "
            "for rows waiting in DEFAULT: created so that no gap is left"
        )
    else:
        why = f"gap inside retention: no partition for this {unit} between existing ones"
    if action.default_rows:
        why += f"; {rows} waiting in DEFAULT move into it"
    return why


@dataclass(frozen=True)
class PlanRow:
    """One planned action, why it is there, and what retention hooks would keep of its rows (legal holds)."""

    action: Action
    why: str
    kept: list[str]


@dataclass(frozen=True)
class PlanPreview:
    """The dry-run plan of every table, and what the planner leaves alone."""

    now: dt.datetime
    rows: list[PlanRow]
    notes: list[str]


def _plan_notes(plan: TablePlan, entry: PartitionedTable) -> list[str]:
    """Return what the planner leaves alone in one table: blocked periods, old rows, deferred drops."""
    notes = list(plan.blocked)
    expiring = {action.period for action in plan.actions if action.reason is Reason.DEFAULT_PAST_RETENTION}
    unnamed = sum(count for period, count in plan.stranded_default_rows.items() if period not in expiring)
    if unnamed:
        notes.append(
            f"{entry.default_partition} holds {rows_text(unnamed, grouped=True)} dated before year 1, past "
            "retention: no period can be named for them, so they are left there."
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
            PlanRow(
                action=action,
                why=action_why(action, plan=plan, entry=entry),
                kept=retention_preview_notes(action),
            )
            for action in plan.actions
        )
        notes.extend(_plan_notes(plan, entry))
    return PlanPreview(now=now, rows=rows, notes=notes)
