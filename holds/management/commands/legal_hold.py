"""`legal_hold add|list|release`: place, list and release legal holds from the command line.

Without --as, the actor is the inactive system account `system:legal_hold` (audited as such, with the
operating system's user). It may place holds, but under the two-person rule it may not release one: a
release must name the releasing person with --as, or one operator could place a hold on the web and
release it here unnamed. The command cannot authenticate --as; it trusts the operator for both names.
"""

import datetime as dt
import getpass
import json
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from core.moments import moment_parse
from holds.errors import HoldError
from holds.selectors import STATUS_ACTIVE, STATUS_ALL, STATUS_RELEASED, HoldFilters, hold_list
from holds.services import hold_place, hold_release, hold_system_actor

USAGE_ERROR = 2
REFUSED = 1
PERMISSIONS = {"add": "holds.add_hold", "release": "holds.release_hold"}


def _moment(option: str, value: str, *, is_end: bool) -> dt.datetime:
    """Read --from or --to as the web forms do: a date as --to takes in that whole day."""
    try:
        return moment_parse(value, is_end=is_end)
    except (ValueError, OverflowError):
        raise CommandError(
            f"{option}: expected an ISO-8601 date or timestamp such as 2019-11-01 or "
            f"2019-11-01T08:30:00+00:00, got {value!r}",
            returncode=USAGE_ERROR,
        ) from None


def _collector(value: str | None) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise CommandError(
            f"--collector: expected a collector's UUID, got {value!r}", returncode=USAGE_ERROR
        ) from None


def _hold_id(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise CommandError(
            f"ID: expected a hold's id (a whole number), got {value!r}", returncode=USAGE_ERROR
        ) from None


def _actor(username: str | None, *, action: str):
    """Return the user named by --as, who must be active staff allowed to `action` (as on the web);
    without --as, the system account, which may not release under the two-person rule."""
    if username is None:
        if action == "release" and settings.LEGAL_HOLD_TWO_PERSON_RELEASE:
            raise CommandError(
                "release: name the releasing person with --as USERNAME (two-person rule: the system "
                "account may not release holds)",
                returncode=REFUSED,
            )
        return hold_system_actor()
    user = get_user_model().objects.filter(username=username).first()
    if user is None or not user.is_active:
        raise CommandError(f"--as: no active user is named {username!r}", returncode=REFUSED)
    if not user.is_staff:
        raise CommandError(
            f"--as: {username} is not staff, so may not act on legal holds", returncode=REFUSED
        )
    if not user.has_perm(PERMISSIONS[action]):
        raise CommandError(
            f"--as: {username} may not {action} legal holds (needs {PERMISSIONS[action]}: group Legal)",
            returncode=REFUSED,
        )
    return user


def _hold_json(hold) -> dict:
    return {
        "id": hold.pk,
        "case_number": hold.case_number,
        "reason": hold.reason,
        "plate": hold.plate_number or None,
        "collector": str(hold.collector_id) if hold.collector_id else None,
        "from": hold.starts_at.isoformat(),
        "to": hold.ends_at.isoformat(),
        "placed_by": hold.placed_by.get_username(),
        "placed_at": hold.placed_at.isoformat(),
        "released_by": hold.released_by.get_username() if hold.released_by else None,
        "released_at": hold.released_at.isoformat() if hold.released_at else None,
        "release_reason": hold.release_reason or None,
    }


def _utc(moment: dt.datetime) -> str:
    return f"{moment.astimezone(dt.UTC):%Y-%m-%dT%H:%M:%SZ}"


def _hold_line(hold) -> str:
    """One hold as a tab-separated line: id, case, scope, window, who placed it, state."""
    scope = " ".join(
        part
        for part in (
            f"plate {hold.plate_number}" if hold.plate_number else "",
            f"collector {hold.collector_id}" if hold.collector_id else "",
        )
        if part
    )
    state = "active"
    if hold.released_at:
        state = f"released {_utc(hold.released_at)} by {hold.released_by.get_username()}"
    window = f"{_utc(hold.starts_at)} to {_utc(hold.ends_at)}"
    placed = f"placed by {hold.placed_by.get_username()}"
    return "\t".join((str(hold.pk), f"case {hold.case_number}", scope, window, placed, state))


class Command(BaseCommand):
    help = "Place, list and release legal holds (detections kept past retention)."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="add|list|release")
        add = subcommands.add_parser("add", help="place a hold; prints its id")
        add.add_argument("--case", required=True, help="the case number")
        add.add_argument("--reason", required=True, help="why the detections must be kept")
        add.add_argument("--plate", default="", help="an exact plate (spaces and dashes are ignored)")
        add.add_argument("--collector", help="a collector's UUID")
        add.add_argument(
            "--from", dest="starts_at", required=True, help="start of the window (ISO-8601, UTC if no offset)"
        )
        add.add_argument(
            "--to",
            dest="ends_at",
            required=True,
            help="end of the window: a time is excluded, a date takes in that whole day (ISO-8601)",
        )
        listing = subcommands.add_parser("list", help="list holds, newest first")
        listing.add_argument(
            "--status", choices=(STATUS_ACTIVE, STATUS_RELEASED, STATUS_ALL), default=STATUS_ALL
        )
        listing.add_argument("--json", dest="as_json", action="store_true", help="print JSON only on stdout")
        release = subcommands.add_parser("release", help="release a hold with a reason")
        release.add_argument("hold_id", metavar="ID", help="the hold's id")
        release.add_argument("--reason", required=True, help="why the hold is released")
        for sub in (add, release):
            sub.add_argument(
                "--as",
                dest="username",
                help="act as this staff user (default: the system account, which may not release)",
            )

    def handle(self, *args, subcommand, **options):
        try:
            if subcommand == "add":
                return self._add(**options)
            if subcommand == "release":
                return self._release(**options)
            return self._list(**options)
        except HoldError as refused:
            raise CommandError(str(refused), returncode=REFUSED) from None
        except DatabaseError as exc:
            first_line = (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]
            raise CommandError(f"database error: {first_line}", returncode=REFUSED) from None

    def _source(self) -> str:
        try:
            who = getpass.getuser()
        except (OSError, KeyError):  # no login name and no passwd entry (some containers)
            who = "unknown"
        return f"command line (os user {who})"

    def _add(self, *, case, reason, plate, collector, starts_at, ends_at, username, **options):
        starts = _moment("--from", starts_at, is_end=False)
        ends = _moment("--to", ends_at, is_end=True)
        collector_id = _collector(collector)
        hold = hold_place(
            case_number=case,
            reason=reason,
            plate_number=plate,
            collector_id=collector_id,
            starts_at=starts,
            ends_at=ends,
            placed_by=_actor(username, action="add"),
            source=self._source(),
        )
        self.stdout.write(str(hold.pk))

    def _release(self, *, hold_id, reason, username, **options):
        hold = hold_release(
            hold_id=_hold_id(hold_id),
            released_by=_actor(username, action="release"),
            reason=reason,
            source=self._source(),
        )
        self.stdout.write(f"hold {hold.pk} (case {hold.case_number}) released")

    def _list(self, *, status, as_json: bool = False, **options):
        holds = list(hold_list(filters=HoldFilters(status=status)))
        if as_json:
            self.stdout.write(json.dumps({"holds": [_hold_json(hold) for hold in holds]}))
            return
        if not holds:
            self.stdout.write("no legal holds")
            return
        for hold in holds:
            self.stdout.write(_hold_line(hold))
