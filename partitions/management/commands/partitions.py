"""`partitions status|plan|rotate`: the command-line face of partition maintenance (DESIGN.md contract)."""

import datetime as dt
import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone

from core.db_roles import OwnerRoleRequiredError, database_owner_require
from partitions.humanize import rows_text
from partitions.models import MaintenanceRun
from partitions.planner import EXPIRE, UTC
from partitions.registry import UnknownTableError
from partitions.selectors import table_status_list
from partitions.services import PlanningTooFarAheadError, partitions_apply, partitions_plan

USAGE_ERROR = 2
RUN_FAILED = 1


# --now may plan any instant whose retention window and premade months have nameable partitions.
EARLIEST_NOW = dt.datetime(1900, 1, 1, tzinfo=UTC)


def parse_now(value: str | None) -> dt.datetime | None:
    """Parse --now as ISO-8601; a time without an offset is taken as UTC."""
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
        parsed = parsed.replace(tzinfo=UTC) if timezone.is_naive(parsed) else parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise CommandError(
            f"--now: expected an ISO-8601 timestamp such as 2027-01-31T23:30:00+02:00, got {value!r}",
            returncode=USAGE_ERROR,
        ) from None
    if parsed < EARLIEST_NOW:
        raise CommandError(
            f"--now: {parsed.isoformat()} is before {EARLIEST_NOW:%Y-%m-%d}: its retention window has no "
            "months partitions can be named for",
            returncode=USAGE_ERROR,
        )
    return parsed


def _short(instant: str) -> str:
    return dt.datetime.fromisoformat(instant).astimezone(UTC).strftime("%Y-%m-%d")


def _size(total_bytes: int) -> str:
    size = float(total_bytes)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{total_bytes} B"


class Command(BaseCommand):
    help = "Show partition health, preview the maintenance plan, or rotate partitions now."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="status|plan|rotate")
        status = subcommands.add_parser("status", help="health, problems and partitions of each table")
        plan = subcommands.add_parser("plan", help="what a rotation would do, and why")
        rotate = subcommands.add_parser("rotate", help="create, move and retire partitions now")
        for sub in (status, plan, rotate):
            sub.add_argument("--table", help="only this registered table")
            sub.add_argument("--json", action="store_true", help="print JSON only on stdout")
        for sub in (plan, rotate):
            sub.add_argument("--now", help="plan as if it were this instant (ISO-8601); never widens drops")
        rotate.add_argument("--dry-run", action="store_true", help="plan and print; change nothing")

    def handle(self, *args, subcommand, table=None, json=False, now=None, dry_run=False, **options):
        instant = parse_now(now)
        try:
            if subcommand == "status":
                return self._status(table=table, as_json=json)
            if subcommand == "plan":
                return self._plan(table=table, now=instant, as_json=json)
            return self._rotate(table=table, now=instant, dry_run=dry_run, as_json=json)
        except (UnknownTableError, PlanningTooFarAheadError) as exc:
            raise CommandError(str(exc), returncode=USAGE_ERROR) from None
        except OwnerRoleRequiredError as exc:
            raise CommandError(str(exc), returncode=RUN_FAILED) from None
        except DatabaseError as exc:
            first_line = (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]
            raise CommandError(f"database error: {first_line}", returncode=RUN_FAILED) from None

    def _print_json(self, payload) -> None:
        self.stdout.write(json.dumps(payload, indent=2))

    def _status(self, *, table, as_json):
        statuses = table_status_list(table=table)
        if as_json:
            self._print_json({"tables": [status.as_dict() for status in statuses]})
            return
        for status in statuses:
            self.stdout.write(
                f"{status.table} ({status.column}): {status.health.upper()} — "
                f"{status.periods_ahead} {status.unit} ahead "
                f"(premake {status.premake}), {rows_text(status.default_rows)} in DEFAULT, retention "
                f"{status.retention} {status.unit} (cutoff {status.retention_cutoff:%Y-%m-%d})"
            )
            for problem in status.problems:
                self.stdout.write(f"  ! {problem}")
            self.stdout.write(
                f"  {'partition':<28} {'from':<10}  {'to':<10}  {'state':<9} {'est. rows':>10} {'size':>9}"
            )
            for partition in status.partitions:
                rows = "unknown" if partition.estimated_rows is None else str(partition.estimated_rows)
                start = partition.start.strftime("%Y-%m-%d") if partition.start else "-"
                end = partition.end.strftime("%Y-%m-%d") if partition.end else "-"
                self.stdout.write(
                    f"  {partition.name:<28} {start:<10}  {end:<10}  {partition.state:<9} {rows:>10} "
                    f"{_size(partition.total_bytes):>9}"
                )
            self.stdout.write("")

    def _plan(self, *, table, now, as_json):
        plans = partitions_plan(now=now, table=table)
        planned_at = (now or timezone.now()).isoformat()
        if as_json:
            keys = ("table", "action", "partition", "from", "to", "default_rows", "reason")
            actions = [
                {key: action.as_dict()[key] for key in keys} for plan in plans for action in plan.actions
            ]
            self._print_json({"now": planned_at, "actions": actions})
            return
        self.stdout.write(f"Plan at {planned_at}")
        for plan in plans:
            self.stdout.write(f"{plan.table}: retention cutoff {plan.retention_cutoff:%Y-%m-%d %H:%M} UTC")
            if not plan.actions:
                self.stdout.write("  nothing to do")
            for action in plan.actions:
                self.stdout.write("  " + self._describe(action.as_dict()))
            for sentence in plan.blocked:
                self.stdout.write(f"  ! {sentence}")
            expiring = {action.period for action in plan.actions if action.action == EXPIRE}
            unnamed = sum(
                rows for period, rows in plan.stranded_default_rows.items() if period not in expiring
            )
            if unnamed:
                self.stdout.write(
                    f"  ! {rows_text(unnamed)} in DEFAULT dated before year 1, past retention: left there"
                )
            if plan.drops_deferred:
                self.stdout.write(
                    f"  ! {plan.drops_deferred} more partitions past retention wait for later runs"
                )

    @staticmethod
    def _describe(action: dict, *, planned: bool = True) -> str:
        moves = ""
        if planned and action["default_rows"]:
            verb = "removes" if action["action"] == EXPIRE else "moves"
            moves = f"; {verb} {rows_text(action['default_rows'])} from DEFAULT"
        return (
            f"{action['action']:<7} {action['partition']:<28} "
            f"{_short(action['from'])} → {_short(action['to'])}  "
            f"{action['reason']}{moves}"
        )

    def _rotate(self, *, table, now, dry_run, as_json):
        if not dry_run:
            # Only the owner may create, move and retire partitions: say so once, not action by action.
            tables = [table] if table else [entry["table"] for entry in settings.PARTITION_REGISTRY]
            database_owner_require(tables=tables, purpose="partitions rotate")
        run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table=table, now=now, dry_run=dry_run)
        if as_json:
            self._print_json({"run": run.pk, "status": run.status, "actions": run.actions})
        else:
            label = "Dry run (nothing changed)" if dry_run else f"Run {run.pk}"
            for action in run.actions:
                outcome = action["result"] + (f" — {action['error']}" if action["error"] else "")
                if action.get("moved_rows"):
                    outcome += f", moved {rows_text(action['moved_rows'])} from DEFAULT"
                self.stdout.write(f"{self._describe(action, planned=dry_run)}: {outcome}")
            if not run.actions:
                self.stdout.write("Nothing to do.")
            if run.error:
                self.stdout.write(run.error)
            self.stdout.write(f"{label}: {run.status}")
        if run.status in (MaintenanceRun.Status.FAILED, MaintenanceRun.Status.PARTIAL):
            raise CommandError(f"maintenance run {run.pk} {run.status}", returncode=RUN_FAILED)
