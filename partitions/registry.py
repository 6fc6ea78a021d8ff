"""The partitioned tables under maintenance, built from settings and checked before any SQL uses them."""

import re

from django.core.exceptions import ImproperlyConfigured

from partitions.planner import ADJECTIVES, DAY, DETACH, DROP, INTERVALS, MONTH, PartitionedTable

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
# A partition is named <parent>_YYYY_MM (or _YYYY_MM_DD for days) and must fit PostgreSQL's 63-byte names.
SUFFIX_LENGTH = {MONTH: len("_YYYY_MM"), DAY: len("_YYYY_MM_DD")}
MAX_PARENT_LENGTH = 63 - SUFFIX_LENGTH[MONTH]
RETENTION_MODES = (DROP, DETACH)
ARCHIVE_SCHEMA = "archive"
# A daily entry that names no premake or retention of its own: a week ahead, a month kept.
DAILY_PREMAKE, DAILY_RETENTION = 7, 30
# Days beyond premake that rows waiting in a daily table's DEFAULT may have made for them (rule 4a);
# PARTITION_FUTURE_HORIZON_MONTHS counts months and applies to monthly tables only.
DAILY_FUTURE_HORIZON = 2
ENTRY_KEYS = {"table", "column", "interval", "premake", "retention", "retention_mode", "future_horizon"}


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


def _count(item: dict, key: str, default: int, *, table: str, minimum: int) -> int:
    value = item.get(key, default)
    # bool is an int to Python, never to a reader of the settings.
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ImproperlyConfigured(
            f"PARTITION_REGISTRY: {key} of table {table!r} must be a whole number of at least {minimum}, "
            f"got {value!r}"
        )
    return value


def _policy(item: dict, table: str, defaults: dict) -> dict:
    """Return one entry's interval, premake, retention, mode and horizon, checked (defaults by interval)."""
    unknown = sorted(set(item) - ENTRY_KEYS)
    if unknown:
        raise ImproperlyConfigured(
            f"PARTITION_REGISTRY: table {table!r} has unknown key(s) {', '.join(map(repr, unknown))} "
            f"(known: {', '.join(sorted(ENTRY_KEYS))})"
        )
    interval = item.get("interval", MONTH)
    if interval not in INTERVALS:
        raise ImproperlyConfigured(
            f"PARTITION_REGISTRY: table {table!r} has unknown interval {interval!r} "
            f"(one of {', '.join(INTERVALS)})"
        )
    if len(table) > 63 - SUFFIX_LENGTH[interval]:
        raise ImproperlyConfigured(
            f"PARTITION_REGISTRY: table {table!r} is too long for {ADJECTIVES[interval]} partition names "
            f"(at most {63 - SUFFIX_LENGTH[interval]} chars)"
        )
    monthly = interval == MONTH
    premake = _count(
        item, "premake", defaults["premake"] if monthly else DAILY_PREMAKE, table=table, minimum=1
    )
    retention = _count(
        item, "retention", defaults["retention"] if monthly else DAILY_RETENTION, table=table, minimum=1
    )
    if not monthly and retention < premake:
        raise ImproperlyConfigured(
            f"PARTITION_REGISTRY: retention of table {table!r} ({retention} days) is shorter than its "
            f"premake ({premake} days)"
        )
    horizon = _count(
        item,
        "future_horizon",
        defaults["horizon"] if monthly else DAILY_FUTURE_HORIZON,
        table=table,
        minimum=0,
    )
    mode = item.get("retention_mode", defaults["mode"])
    if mode not in RETENTION_MODES:
        raise ImproperlyConfigured(
            f"PARTITION_REGISTRY: retention_mode of table {table!r} must be one of "
            f"{', '.join(RETENTION_MODES)}, got {mode!r}"
        )
    return {
        "interval": interval,
        "premake": premake,
        "retention": retention,
        "retention_mode": mode,
        "future_horizon": horizon,
    }


def registry_build(settings) -> list[PartitionedTable]:
    """Build and validate the registry entries from PARTITION_REGISTRY and the PARTITION_* settings.

    A monthly entry takes its premake, retention, mode and horizon from PARTITION_PREMAKE_MONTHS,
    PARTITION_RETENTION_MONTHS, PARTITION_RETENTION_MODE and PARTITION_FUTURE_HORIZON_MONTHS unless it names
    its own; a daily one counts them in days, from its entry or the daily defaults.
    """
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
    defaults = {"premake": premake, "retention": retention, "mode": mode, "horizon": horizon}

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
                lock_timeout=float(settings.PARTITION_LOCK_TIMEOUT),
                max_drops_per_run=settings.PARTITION_MAX_DROPS_PER_RUN,
                action_patience=patience,
                **_policy(item, table, defaults),
            )
        )
    return entries


def horizon_setting(entry: PartitionedTable) -> str:
    """Name where a table's horizon comes from: the setting for a monthly table, its registry entry else."""
    if entry.interval == MONTH:
        return f"PARTITION_FUTURE_HORIZON_MONTHS ({entry.future_horizon})"
    return f"its future_horizon in PARTITION_REGISTRY ({entry.periods_text(entry.future_horizon)})"


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
