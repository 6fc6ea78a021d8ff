"""The partitioned tables under maintenance, built from settings and checked before any SQL uses them."""

import re

from django.core.exceptions import ImproperlyConfigured

from partitions.planner import DETACH, DROP, PartitionedTable

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
# A partition is named <parent>_YYYY_MM (8 more characters) and must fit PostgreSQL's 63-byte names.
MAX_PARENT_LENGTH = 63 - len("_YYYY_MM")
RETENTION_MODES = (DROP, DETACH)
ARCHIVE_SCHEMA = "archive"


class UnknownTableError(LookupError):
    """The table named is not in the partition registry."""


def _identifier(value: object, what: str, *, max_length: int = 63) -> str:
    # fullmatch: with match, `$` would also accept a trailing newline.
    if not isinstance(value, str) or not IDENTIFIER.fullmatch(value) or len(value) > max_length:
        raise ImproperlyConfigured(
            f"PARTITION_REGISTRY: {what} {value!r} is not a safe identifier "
            f"(lower-case letters, digits and underscores, ^[a-z_][a-z0-9_]*$, at most {max_length} chars)"
        )
    return value


def registry_build(settings) -> list[PartitionedTable]:
    """Build and validate the registry entries from PARTITION_REGISTRY and the PARTITION_* settings."""
    premake = settings.PARTITION_PREMAKE_MONTHS
    retention = settings.PARTITION_RETENTION_MONTHS
    mode = settings.PARTITION_RETENTION_MODE
    if not isinstance(premake, int) or premake < 1:
        raise ImproperlyConfigured(f"PARTITION_PREMAKE_MONTHS: must be at least 1, got {premake!r}")
    if not isinstance(retention, int) or retention < 1:
        raise ImproperlyConfigured(f"PARTITION_RETENTION_MONTHS: must be at least 1, got {retention!r}")
    if mode not in RETENTION_MODES:
        raise ImproperlyConfigured(
            f"PARTITION_RETENTION_MODE: must be one of {', '.join(RETENTION_MODES)}, got {mode!r}"
        )
    if not settings.PARTITION_LOCK_TIMEOUT or settings.PARTITION_LOCK_TIMEOUT <= 0:
        raise ImproperlyConfigured("PARTITION_LOCK_TIMEOUT: must be a positive duration")
    if settings.PARTITION_MAX_DROPS_PER_RUN < 0:
        raise ImproperlyConfigured("PARTITION_MAX_DROPS_PER_RUN: must be at least 0")
    horizon = getattr(settings, "PARTITION_FUTURE_HORIZON_MONTHS", 2)
    if not isinstance(horizon, int) or horizon < 0:
        raise ImproperlyConfigured(f"PARTITION_FUTURE_HORIZON_MONTHS: must be at least 0, got {horizon!r}")
    patience = float(getattr(settings, "PARTITION_ACTION_PATIENCE", 60.0))
    if patience < 0:
        raise ImproperlyConfigured(f"PARTITION_ACTION_PATIENCE: must not be negative, got {patience!r}")

    entries = []
    seen = set()
    for item in settings.PARTITION_REGISTRY:
        if not isinstance(item, dict) or "table" not in item or "column" not in item:
            raise ImproperlyConfigured(
                f"PARTITION_REGISTRY: each entry needs 'table' and 'column', got {item!r}"
            )
        table = _identifier(item["table"], "table", max_length=MAX_PARENT_LENGTH)
        column = _identifier(item["column"], "column")
        if table in seen:
            raise ImproperlyConfigured(f"PARTITION_REGISTRY: table {table!r} is listed twice")
        seen.add(table)
        entries.append(
            PartitionedTable(
                table=table,
                column=column,
                premake_months=premake,
                retention_months=retention,
                retention_mode=mode,
                lock_timeout=float(settings.PARTITION_LOCK_TIMEOUT),
                max_drops_per_run=settings.PARTITION_MAX_DROPS_PER_RUN,
                future_horizon_months=horizon,
                action_patience=patience,
            )
        )
    return entries


def registry_entries(*, table: str | None = None) -> list[PartitionedTable]:
    """Return the registered tables (or the one named), read from the current settings."""
    from django.conf import settings

    entries = registry_build(settings)
    if table is None:
        return entries
    for entry in entries:
        if entry.table == table:
            return [entry]
    known = ", ".join(entry.table for entry in entries)
    raise UnknownTableError(f"unknown table {table!r}: the partition registry has {known}")
