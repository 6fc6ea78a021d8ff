"""What each role may do: apps declare their platform tables; Django's own tables get what Django needs."""

import re
from collections.abc import Iterable

from django.apps import apps

APP, INGEST = "app", "ingest"
ROLE_SETTINGS = {APP: "DB_APP_ROLE", INGEST: "DB_INGEST_ROLE"}
# Never TRUNCATE, REFERENCES or TRIGGER: nothing the dashboard's processes do needs them.
PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")
DJANGO_TABLE_PRIVILEGES = frozenset(PRIVILEGES)
# `runserver` reads which migrations are applied; nothing in the web writes there.
MIGRATIONS_TABLE = "django_migrations"
_TABLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

_declared: dict[str, dict[str, frozenset[str]]] = {APP: {}, INGEST: {}}
_default_partitions_read: set[str] = set()


def db_privileges_register(table: str, privileges: Iterable[str], *, role: str = APP) -> None:
    """Declare the privileges `role` (APP or INGEST) needs on the platform table `table`."""
    if role not in _declared:
        raise ValueError(f"unknown role kind {role!r}")
    if not _TABLE_NAME.match(table):
        raise ValueError(f"not a plain table name: {table!r}")
    wanted = frozenset(privilege.upper() for privilege in privileges)
    if not wanted or not wanted <= set(PRIVILEGES):
        raise ValueError(f"{table}: privileges must be some of {', '.join(PRIVILEGES)}, got {sorted(wanted)}")
    _declared[role][table] = wanted


def db_default_partition_read_register(parent: str) -> None:
    """Let the app role SELECT the DEFAULT partition of `parent` (created once, never retired) by name."""
    if not _TABLE_NAME.match(parent):
        raise ValueError(f"not a plain table name: {parent!r}")
    _default_partitions_read.add(parent)


def role_privileges(role: str = APP) -> dict[str, frozenset[str]]:
    """Return the privileges `role` gets on each table: Django's (app role only), then declared ones."""
    if role == INGEST:
        return dict(_declared[INGEST])
    tables = {MIGRATIONS_TABLE: frozenset({"SELECT"})}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.managed and not meta.proxy:
            tables[meta.db_table] = DJANGO_TABLE_PRIVILEGES
    tables.update(_declared[APP])
    return tables


def default_partitions_read() -> list[str]:
    """Return the parents whose DEFAULT partition the app role may read by name."""
    return sorted(_default_partitions_read)


def platform_tables() -> list[str]:
    """Return the platform tables apps declared, which the web's role must never own."""
    return sorted(_declared[APP])
