"""Start the audit log's hash chain afresh, and run `audit verify`, in tests."""

from io import StringIO

from django.core.management import CommandError, call_command
from django.db import connection, transaction

from core.audit_chain import GENESIS_HASH


def chain_restart() -> None:
    """Empty audit_log and its anchors and put the head back at position 0 (as the owner, flag set)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('chaverim.partition_maintenance', 'on', true)")
        cursor.execute("TRUNCATE audit_log, audit_chain_anchor, audit_chain_retired, audit_chain_head")
        cursor.execute("UPDATE audit_chain_lock SET xact = 0, base = 0")
        cursor.execute("INSERT INTO audit_chain_head (position, hash) VALUES (0, %s)", [GENESIS_HASH])
        cursor.execute("SELECT set_config('chaverim.partition_maintenance', 'off', true)")


def chain_verify(*args: str) -> tuple[str, CommandError | None]:
    """Run `audit verify`; return its stdout and the CommandError it raised, if any."""
    out = StringIO()
    try:
        call_command("audit", "verify", *args, stdout=out)
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None
