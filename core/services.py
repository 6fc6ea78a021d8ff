"""Writes shared by every app."""

import time
from typing import Any

from django.db import connection
from psycopg import sql as pgsql

from core import sql
from core.audit_chain import ChainReport, audit_chain_walk
from core.models import AuditVerification
from core.request_log import request_id_current


def audit_log_write(
    *,
    actor_id: Any | None,
    action: str,
    object_type: str,
    object_id: Any,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one row to `audit_log` in the caller's transaction (the database chains it).

    Written while serving a request (or a task a request queued), the row carries the request's id, as the
    request's log line does.
    """
    from psycopg.types.json import Jsonb

    request_id = request_id_current()
    if request_id and "request_id" not in (details or {}):
        details = {**(details or {}), "request_id": request_id}
    with connection.cursor() as cursor:
        cursor.execute(
            sql.AUDIT_LOG_INSERT,
            [actor_id, action, object_type, str(object_id), Jsonb(details or {})],
        )


def audit_chain_verify(
    *, trigger: str, since: int | None = None, kept: tuple[int, bytes] | None = None
) -> tuple[AuditVerification, ChainReport]:
    """Walk the audit log's hash chain and record the outcome (the command and the daily task)."""
    started = time.monotonic()
    report = audit_chain_walk(since=since, kept=kept)
    verification = AuditVerification.objects.create(
        trigger=trigger,
        ok=report.ok,
        rows=report.rows,
        start_position=report.start_position,
        since=since,
        head_position=report.head_position,
        head_hash=report.head_hash.hex() if report.head_hash else "",
        problem_position=report.problem.position if report.problem else None,
        problem=report.problem.message if report.problem else "",
        seconds=time.monotonic() - started,
    )
    return verification, report


def audit_chain_anchor_record(cursor, retiring) -> str:
    """Record what the chain needs to verify without the audit rows about to be retired (a retention hook).

    Called by the partition engine inside the transaction that retires the rows of `retiring.partition` in
    [`start`, `end`): a whole month before it is detached, or one period of the DEFAULT partition before its
    rows are expired (DEFAULT holds other periods, so only that range counts). Verification must never lose
    sight of a live row: the retired rows that continue the chain from the latest anchor move the anchor up;
    any retired above a live row (a back-dated row, or a month's row that took its position after a row of
    the next month) are recorded one by one, and the walk steps over them. The records commit or roll back
    with the retirement. The composition root registers it: core does not know the engine.
    """
    cursor.execute(sql.AUDIT_CHAIN_LATEST_ANCHOR)
    latest = cursor.fetchone()
    statement = sql.AUDIT_CHAIN_RETIRE.format(
        partition=pgsql.Identifier(*[part for part in (retiring.schema, retiring.partition) if part])
    )
    cursor.execute(
        statement,
        {
            "floor": latest[0] if latest else 0,
            "name": retiring.partition,
            "start": retiring.start,
            "end": retiring.end,
        },
    )
    anchored, stepped = cursor.fetchone()
    notes = [] if anchored is None else [f"audit chain anchored at position {anchored}"]
    if stepped:
        notes.append(
            f"audit chain: {stepped} row{'' if stepped == 1 else 's'} retired out of order, stepped over"
        )
    return "; ".join(notes) or "audit chain: nothing to anchor (no rows, or already anchored)"
