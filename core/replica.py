"""Reads from the optional streaming replica (DATABASE_REPLICA_URL), with the primary as the fallback.

A view that may read slightly old data opts in with one line, `@replica_reads` (or `with replica_reads():`
around the reads). Inside, `ReplicaRouter` sends ORM reads to the replica and raw SQL takes
`connections[read_alias()]`; writes, anything inside a transaction on the primary, and everything outside
such a block go to the primary. The first read of a block asks the replica how far behind it is (one cheap
query); when it does not answer, the block reads from the primary, the replica is left alone for
DATABASE_REPLICA_RETRY seconds, and readiness says so.
"""

import contextvars
import datetime as dt
import functools
import logging
import threading
import time
from dataclasses import dataclass

import psycopg
from django.conf import settings
from django.contrib import messages
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connections
from django.utils import timezone

from core.readiness import first_line

logger = logging.getLogger(__name__)

REPLICA_DB_ALIAS = "replica"

# Where the replica stands. Not caught up (or not streaming): the age of the last change it replayed.
REPLICA_STATUS = """
SELECT pg_is_in_recovery(),
       pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn()
           AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver),
       pg_last_xact_replay_timestamp()
"""


@dataclass(frozen=True)
class ReplicaStatus:
    """Where a block's reads go, how far behind the replica was, and why they went to the primary."""

    alias: str
    lag_seconds: float | None = None
    error: str | None = None

    @property
    def lag_notice(self) -> str | None:
        """The sentence a page shows when the replica lags by more than DATABASE_REPLICA_LAG_NOTICE."""
        if self.alias != REPLICA_DB_ALIAS or self.lag_seconds is None:
            return None
        if self.lag_seconds <= settings.DATABASE_REPLICA_LAG_NOTICE:
            return None
        return (
            f"The read replica is {duration_text(self.lag_seconds)} behind the primary: "
            "the newest rows and changes may not show here yet."
        )


def duration_text(seconds: float) -> str:
    """Say a duration the way a person would: 12 seconds, 3 minutes, 2 hours."""
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= 1.5 * size:
            count = round(seconds / size)
            return f"{count} {unit}s"
    count = max(1, round(seconds))
    return f"{count} second{'s' if count != 1 else ''}"


class _Scope:
    """One replica_reads block: its status, asked for once, on the first read."""

    def __init__(self):
        self.status: ReplicaStatus | None = None


_scope: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar("replica_reads", default=None)

# Process-wide: after a failure the replica is not asked again until _down_until (time.monotonic()).
_lock = threading.Lock()
_down_until = 0.0
_last_error: str | None = None


def replica_configured() -> bool:
    """Tell whether a replica alias is configured (DATABASE_REPLICA_URL)."""
    return REPLICA_DB_ALIAS in connections.settings


def replica_down_forget() -> None:
    """Forget an earlier failure, so that the next block asks the replica again (tests; a restart)."""
    global _down_until, _last_error
    with _lock:
        _down_until, _last_error = 0.0, None


def _down_mark(error: str) -> None:
    global _down_until, _last_error
    with _lock:
        _down_until = time.monotonic() + settings.DATABASE_REPLICA_RETRY
        _last_error = error


def _lag_seconds(row, now: dt.datetime) -> float:
    in_recovery, caught_up, replayed_at = row
    if not in_recovery or caught_up or replayed_at is None:
        return 0.0
    return max(0.0, (now - replayed_at).total_seconds())


def _status_probe(now: dt.datetime) -> ReplicaStatus:
    """Ask the replica how far behind it is; on any database error, read from the primary."""
    with _lock:
        if time.monotonic() < _down_until:
            return ReplicaStatus(alias=DEFAULT_DB_ALIAS, error=_last_error)
    replica = connections[REPLICA_DB_ALIAS]
    try:
        with replica.cursor() as cursor:
            cursor.execute(REPLICA_STATUS)
            row = cursor.fetchone()
    except DatabaseError as exc:
        error = f"replica unreachable, reads go to the primary: {first_line(exc)}"
        logger.warning("%s", error)
        replica.close()  # a broken connection is not lent again
        _down_mark(error)
        return ReplicaStatus(alias=DEFAULT_DB_ALIAS, error=error)
    return ReplicaStatus(alias=REPLICA_DB_ALIAS, lag_seconds=_lag_seconds(row, now))


def replica_status(*, now: dt.datetime | None = None) -> ReplicaStatus:
    """Return where the current block reads from, asking the replica on its first read."""
    scope = _scope.get()
    if scope is None or not replica_configured():
        return ReplicaStatus(alias=DEFAULT_DB_ALIAS)
    if scope.status is None:
        scope.status = _status_probe(now or timezone.now())
    return scope.status


def read_alias() -> str:
    """Return the alias that reads should use now: the replica inside a healthy block, else the primary.

    Raw SQL that may read from the replica takes `connections[read_alias()]`.
    """
    return replica_status().alias


class _PrimaryWrites:
    """An execute wrapper on the primary that notes any statement other than a plain read."""

    def __init__(self):
        self.seen = False

    def __call__(self, execute, sql, params, many, context):
        if many or not str(sql).lstrip().upper().startswith(("SELECT", "SHOW")):
            self.seen = True
        return execute(sql, params, many, context)


def _replica_failed() -> bool:
    """Tell whether the replica's connection is broken (rather than the primary's, or the query)."""
    replica = connections[REPLICA_DB_ALIAS]
    return replica.connection is None or not replica.is_usable()


def _replica_drop(error: str) -> None:
    """Close the broken replica connection, rest the replica, and send the block's reads to the primary."""
    logger.warning("%s", error)
    connections[REPLICA_DB_ALIAS].close()
    _down_mark(error)
    scope = _scope.get()
    if scope is not None:
        scope.status = ReplicaStatus(alias=DEFAULT_DB_ALIAS, error=error)


class _ReplicaReads:
    """A block (or a view) whose reads may go to the replica."""

    def __init__(self, *, notice: bool):
        self.notice = notice
        self._tokens: list[contextvars.Token] = []

    def __enter__(self) -> "_ReplicaReads":
        self._tokens.append(_scope.set(_Scope()))
        return self

    def __exit__(self, *exc) -> bool:
        _scope.reset(self._tokens.pop())
        return False

    def __call__(self, view):
        if getattr(view, "replica_reads", False):
            return view

        def attempt(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            # A lazy response renders (and reads) inside the block too.
            if callable(getattr(response, "render", None)) and not response.is_rendered:
                response.render()
            return response

        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            with _ReplicaReads(notice=self.notice):
                status = replica_status()
                if self.notice and status.lag_notice:
                    messages.warning(request, status.lag_notice, fail_silently=True)
                if status.alias != REPLICA_DB_ALIAS or request.method not in ("GET", "HEAD"):
                    return attempt(request, *args, **kwargs)
                wrote = _PrimaryWrites()
                try:
                    with connections[DEFAULT_DB_ALIAS].execute_wrapper(wrote):
                        return attempt(request, *args, **kwargs)
                except (OperationalError, InterfaceError) as exc:
                    # Only a replica that died after the probe, and only when nothing was written yet (the
                    # access-log row comes after the reads): run the view once more, on the primary.
                    if wrote.seen or not _replica_failed():
                        raise
                    _replica_drop(f"replica lost mid-request, reads go to the primary: {first_line(exc)}")
                return attempt(request, *args, **kwargs)

        wrapper.replica_reads = True
        return wrapper


def replica_reads(view=None, *, notice: bool = True):
    """Let a view's reads (or a `with` block's) go to the replica.

    `@replica_reads` on a page adds a warning message when the replica lags by more than
    DATABASE_REPLICA_LAG_NOTICE; `@replica_reads(notice=False)` for JSON and other responses without one.
    """
    if view is None:
        return _ReplicaReads(notice=notice)
    return _ReplicaReads(notice=notice)(view)


class ReplicaRouter:
    """Send reads inside a replica_reads block to the replica; everything else to the primary."""

    def db_for_read(self, model, **hints):
        # Inside a transaction on the primary (a service writing), reads see that transaction's writes.
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        # A model whose rows must agree with what the primary alone knows (a run's record against its lock,
        # which pg_locks shows per server) says so with `read_from_primary = True`.
        if getattr(model, "read_from_primary", False):
            return DEFAULT_DB_ALIAS
        return read_alias()

    def db_for_write(self, model, **hints):
        # Explicitly: an object read from the replica would otherwise be saved back to where it came from.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: objects from either relate

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == REPLICA_DB_ALIAS else None


def replica_ready() -> tuple[bool, str]:
    """Readiness: a replica that does not answer is reported, not fatal (reads fall back to the primary)."""
    if not replica_configured():
        return True, "ok"
    params = {**connections[REPLICA_DB_ALIAS].get_connection_params(), "autocommit": True}
    params["connect_timeout"] = min(int(params.get("connect_timeout") or 3), 3)
    try:
        with psycopg.connect(**params) as fresh:
            row = fresh.execute(REPLICA_STATUS).fetchone()
    except psycopg.Error as exc:
        error = f"replica unreachable, reads go to the primary: {first_line(exc)}"
        _down_mark(error)
        return True, f"degraded: {error}"
    replica_down_forget()  # it answers again: searches need not wait out DATABASE_REPLICA_RETRY
    lag = _lag_seconds(row, timezone.now())
    if lag > settings.DATABASE_REPLICA_LAG_NOTICE:
        return True, f"degraded: the replica is {duration_text(lag)} behind the primary"
    return True, "ok"
