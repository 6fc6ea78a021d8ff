"""`audit verify`: check the audit log's hash chain from the latest anchor (or a position) to the head."""

import json
import re

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from core.models import AuditVerification
from core.services import audit_chain_verify

CHAIN_BROKEN = 1
USAGE_ERROR = 2


def _position(value: str) -> int:
    try:
        position = int(value)
    except ValueError:
        raise CommandError(
            f"--since: expected a position (a whole number), got {value!r}", returncode=USAGE_ERROR
        ) from None
    if position < 1:
        raise CommandError(f"--since: positions start at 1, got {position}", returncode=USAGE_ERROR)
    return position


_KEPT_HEAD = re.compile(r"(\d+):([0-9a-fA-F]{64})")


def _kept_head(value: str) -> tuple[int, bytes]:
    match = _KEPT_HEAD.fullmatch(value.strip())
    if not match:
        raise CommandError(
            f"--expect: expected POSITION:HASH as `audit verify` printed it (64 hex digits), got {value!r}",
            returncode=USAGE_ERROR,
        )
    return int(match.group(1)), bytes.fromhex(match.group(2))


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; print the rows checked and the head, or the first bad row."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="verify")
        verify = subcommands.add_parser("verify", help="walk the chain and check every hash and link")
        verify.add_argument(
            "--since",
            metavar="POSITION",
            help="start at this position (its link to the row before is checked)",
        )
        verify.add_argument(
            "--expect",
            metavar="POSITION:HASH",
            help="a head printed earlier and kept elsewhere: the chain must still hold it",
        )
        verify.add_argument("--json", action="store_true", help="print JSON only on stdout")

    def handle(self, *args, subcommand, since=None, expect=None, **options):
        start = None if since is None else _position(since)
        kept = None if expect is None else _kept_head(expect)
        try:
            verification, report = audit_chain_verify(
                trigger=AuditVerification.Trigger.CLI, since=start, kept=kept
            )
        except DatabaseError as exc:
            first_line = (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]
            raise CommandError(
                f"database error: {first_line} (audit verify runs as the owner role)", returncode=CHAIN_BROKEN
            ) from None
        if options["json"]:
            self.stdout.write(json.dumps({"verification": verification.pk, **report.as_dict()}, indent=2))
        elif report.ok:
            origin = (
                f"after anchor {report.anchor.position} ({report.anchor.partition})"
                if report.anchor and report.start_position == report.anchor.position
                else f"after position {report.start_position}"
            )
            stepped = (
                f"; {report.stepped_over} rows retired out of order stepped over (links checked)"
                if report.stepped_over
                else ""
            )
            self.stdout.write(
                f"audit chain ok: {report.rows} rows verified {origin}; "
                f"head {report.head_position} {report.head_hash.hex()}{stepped}"
            )
        if not report.ok:
            raise CommandError(f"audit chain broken at {report.problem.message}", returncode=CHAIN_BROKEN)
