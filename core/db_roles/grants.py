"""Apply the declared privileges after each `migrate`: revoke what the role holds, grant exactly those."""

import sys
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from psycopg import sql as pgsql

from core import sql
from core.db_roles.registry import (
    APP,
    INGEST,
    PRIVILEGES,
    ROLE_SETTINGS,
    default_partitions_read,
    role_privileges,
)


class RoleConfigurationError(RuntimeError):
    """A role named in the settings cannot be given its grants (missing, a superuser, the owner...)."""


@dataclass(frozen=True)
class GrantSummary:
    """What one role was granted by `db_grants_apply`."""

    role: str
    tables: tuple[str, ...]
    sequences: tuple[str, ...]
    revoked: tuple[str, ...]


def _configured_roles() -> dict[str, str]:
    return {kind: getattr(settings, setting, "") for kind, setting in ROLE_SETTINGS.items()}


def _role_problem(cursor, *, kind: str, role: str) -> str | None:
    setting = ROLE_SETTINGS[kind]
    cursor.execute(sql.ROLE_FOR_GRANTS, [role])
    row = cursor.fetchone()
    if row is None:
        return f"{setting}: role {role!r} does not exist; create it first (README, Database roles)"
    is_superuser, is_connected_role = row
    if is_connected_role:
        return f"{setting}: {role!r} is the role migrate connects as; name a role of its own"
    if is_superuser:
        return f"{setting}: {role!r} is a superuser; name a role without SUPERUSER"
    return None


def db_roles_check(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Raise RoleConfigurationError unless every configured role exists and can be held to its grants."""
    roles = {kind: role for kind, role in _configured_roles().items() if role}
    if not roles:
        return
    if roles.get(APP) and roles.get(APP) == roles.get(INGEST):
        raise RoleConfigurationError("DB_INGEST_ROLE: must differ from DB_APP_ROLE")
    with connections[using].cursor() as cursor:
        for kind, role in roles.items():
            problem = _role_problem(cursor, kind=kind, role=role)
            if problem:
                raise RoleConfigurationError(problem)


def _privilege_list(privileges: frozenset[str]) -> pgsql.Composable:
    # Each one is from PRIVILEGES (checked on registration), a keyword: SQL, not a value.
    return pgsql.SQL(", ").join(pgsql.SQL(privilege) for privilege in PRIVILEGES if privilege in privileges)


def _revoke_everything(cursor, *, role: str) -> list[str]:
    """Revoke whatever the app role holds on any relation: it is the dashboard's alone."""
    cursor.execute(sql.RELATIONS_GRANTED_TO_ROLE, {"role": role})
    revoked = []
    for schema, name, is_sequence in cursor.fetchall():
        statement = sql.REVOKE_ALL_ON_SEQUENCE if is_sequence else sql.REVOKE_ALL_ON_TABLE
        target = pgsql.Identifier(schema, name)
        cursor.execute(statement.format(sequence=target, table=target, role=pgsql.Identifier(role)))
        revoked.append(f"{schema}.{name}")
    return revoked


def _revoke_on_declared(cursor, *, role: str, tables: list[str]) -> list[str]:
    """Revoke the ingestion role's privileges on our tables only: its grants elsewhere are the platform's."""
    cursor.execute(sql.TABLES_AND_PARTITIONS, [tables])
    relations = cursor.fetchall()
    for schema, name in relations:
        table = pgsql.Identifier(schema, name)
        cursor.execute(sql.REVOKE_ALL_ON_TABLE.format(table=table, role=pgsql.Identifier(role)))
    cursor.execute(sql.SEQUENCES_OF_TABLES, [tables])
    for schema, name in cursor.fetchall():
        sequence = pgsql.Identifier(schema, name)
        cursor.execute(sql.REVOKE_ALL_ON_SEQUENCE.format(sequence=sequence, role=pgsql.Identifier(role)))
    return [f"{schema}.{name}" for schema, name in relations]


def _grant_schema_usage(cursor, *, role: str) -> None:
    cursor.execute(sql.CURRENT_SCHEMA)
    schema = cursor.fetchone()[0]
    if schema:
        names = {"schema": pgsql.Identifier(schema), "role": pgsql.Identifier(role)}
        cursor.execute(sql.GRANT_SCHEMA_USAGE.format(**names))
        cursor.execute(sql.REVOKE_SCHEMA_CREATE.format(**names))


def _grant_default_partitions_read(cursor, *, role: str) -> list[str]:
    cursor.execute(sql.DEFAULT_PARTITIONS_OF, [default_partitions_read()])
    defaults = cursor.fetchall()
    for schema, default in defaults:
        table = pgsql.Identifier(schema, default)
        cursor.execute(
            sql.GRANT_ON_TABLE.format(
                privileges=pgsql.SQL("SELECT"), table=table, role=pgsql.Identifier(role)
            )
        )
    return [f"{schema}.{default}" for schema, default in defaults]


def _grant_sequences_usage(cursor, *, role: str, tables: list[str]) -> list[str]:
    cursor.execute(sql.SEQUENCES_OF_TABLES, [tables])
    sequences = cursor.fetchall()
    for schema, sequence in sequences:
        target = pgsql.Identifier(schema, sequence)
        cursor.execute(sql.GRANT_SEQUENCE_USAGE.format(sequence=target, role=pgsql.Identifier(role)))
    return [f"{schema}.{sequence}" for schema, sequence in sequences]


def db_grants_apply(*, kind: str = APP, using: str = DEFAULT_DB_ALIAS) -> GrantSummary | None:
    """Give the role named by DB_APP_ROLE (or DB_INGEST_ROLE) exactly its privileges; None when unset."""
    role = _configured_roles()[kind]
    if not role:
        return None
    wanted = role_privileges(kind)
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        problem = _role_problem(cursor, kind=kind, role=role)
        if problem:
            raise RoleConfigurationError(problem)
        cursor.execute(sql.TABLES_PRESENT, [sorted(wanted)])
        present = [row[0] for row in cursor.fetchall()]
        cursor.execute(sql.TABLES_OWNED_BY_ROLE, [present, role])
        owned = [row[0] for row in cursor.fetchall()]
        if owned:
            raise RoleConfigurationError(
                f"{ROLE_SETTINGS[kind]}: {role!r} owns (or is a member of the owner of) {', '.join(owned)}; "
                "it must own nothing"
            )
        if kind == APP:
            revoked = _revoke_everything(cursor, role=role)
            _grant_schema_usage(cursor, role=role)
        else:
            revoked = _revoke_on_declared(cursor, role=role, tables=present)
        for table in present:
            grant = sql.GRANT_ON_TABLE.format(
                privileges=_privilege_list(wanted[table]),
                table=pgsql.Identifier(table),
                role=pgsql.Identifier(role),
            )
            cursor.execute(grant)
        defaults = _grant_default_partitions_read(cursor, role=role) if kind == APP else []
        inserted = [table for table in present if "INSERT" in wanted[table]]
        sequences = _grant_sequences_usage(cursor, role=role, tables=inserted)
    return GrantSummary(
        role=role, tables=(*present, *defaults), sequences=tuple(sequences), revoked=tuple(revoked)
    )


def roles_check_before_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    """Stop `migrate` before it changes anything when a configured role is missing or unfit."""
    try:
        db_roles_check(using=using)
    except RoleConfigurationError as exc:
        raise CommandError(str(exc)) from None


def grants_apply_after_migrate(sender, using=DEFAULT_DB_ALIAS, plan=None, verbosity=1, **kwargs):
    """Re-apply the roles' grants after every `migrate` (not after `flush`, which keeps them)."""
    if plan is None:
        return
    stdout = kwargs.get("stdout") or sys.stdout
    for kind in (APP, INGEST):
        try:
            summary = db_grants_apply(kind=kind, using=using)
        except RoleConfigurationError as exc:
            raise CommandError(str(exc)) from None
        if summary is not None and verbosity >= 1:
            stdout.write(
                f"  Granted {summary.role} ({ROLE_SETTINGS[kind]}) its privileges on {len(summary.tables)} "
                f"tables and {len(summary.sequences)} sequences\n"
            )
