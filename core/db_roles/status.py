"""Which role this process connects as, what it could do beyond its grants, and what it was refused."""

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core import checks
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections

from core import sql
from core.db_roles.registry import platform_tables
from core.readiness import first_line

logger = logging.getLogger("core.db_roles")
INSUFFICIENT_PRIVILEGE = "42501"


class OwnerRoleRequiredError(RuntimeError):
    """The connection's role does not own the tables an operation changes."""


@dataclass(frozen=True)
class DatabaseRoleStatus:
    """The role this process's connection runs as, and what it could do beyond the app role's grants."""

    name: str
    is_superuser: bool
    owned_tables: tuple[str, ...]
    can_create: bool

    @property
    def problems(self) -> list[str]:
        if self.is_superuser:
            return [
                f"The web connects to the database as {self.name}, a superuser: write-once holds by trigger "
                "only. Give it the app role's DATABASE_URL (README, Database roles)."
            ]
        problems = []
        if self.owned_tables:
            problems.append(
                f"The web connects to the database as {self.name}, which owns "
                f"{', '.join(self.owned_tables)}: it could drop partitions. Give it the app role's "
                "DATABASE_URL (README, Database roles)."
            )
        if self.can_create:
            problems.append(
                f"The web's database role {self.name} may create tables: revoke CREATE on the schema."
            )
        return problems

    @property
    def state(self) -> str:
        return "warning" if self.problems else "ok"


def database_role_status(*, using: str = DEFAULT_DB_ALIAS) -> DatabaseRoleStatus:
    """Return the role this process connects as: its name, superuser flag, and platform tables it owns."""
    with connections[using].cursor() as cursor:
        cursor.execute(sql.CURRENT_ROLE_STATUS, [platform_tables()])
        name, is_superuser, owned, can_create = cursor.fetchone()
    return DatabaseRoleStatus(
        name=name, is_superuser=bool(is_superuser), owned_tables=tuple(owned), can_create=bool(can_create)
    )


def database_role_ready() -> tuple[bool, str]:
    """Readiness: `ok`, or `warning` when the web's role is a superuser or owns a platform table."""
    try:
        return True, database_role_status().state
    except DatabaseError:
        return True, "warning"


database_role_ready.needs_database = True


def database_owner_require(*, tables: Iterable[str], purpose: str) -> None:
    """Raise OwnerRoleRequiredError unless the connection's role owns every existing table in `tables`."""
    with connection.cursor() as cursor:
        cursor.execute(sql.TABLES_NOT_OWNED, [list(tables)])
        role, not_owned = cursor.fetchone()
    if not_owned:
        raise OwnerRoleRequiredError(
            f"{purpose} needs the owner role: {role} does not own {', '.join(not_owned)} "
            "(run it with the owner's DATABASE_URL)"
        )


def is_privilege_error(exc: BaseException) -> bool:
    """Tell whether a database error is PostgreSQL refusing a privilege (SQLSTATE 42501)."""
    cause = exc.__cause__ if exc.__cause__ is not None else exc
    return getattr(cause, "sqlstate", None) == INSUFFICIENT_PRIVILEGE


def _statement_verb(statement) -> str:
    if isinstance(statement, str):
        words = statement.split(None, 1)
        if words:
            return words[0].upper()
    return "a statement"


def _log_refused_statement(execute, statement, params, many, context):
    try:
        return execute(statement, params, many, context)
    except DatabaseError as exc:
        if is_privilege_error(exc):
            # PostgreSQL names the table ("permission denied for table …"); the statement names the privilege.
            logger.error("database refused %s: %s", _statement_verb(statement), first_line(exc))
        raise


def statement_logger_install(sender, connection, **kwargs):
    """Log every statement the database refuses for want of a privilege, naming the table and privilege."""
    if _log_refused_statement not in connection.execute_wrappers:
        connection.execute_wrappers.append(_log_refused_statement)


@checks.register(checks.Tags.security, deploy=True)
def check_app_role_configured(app_configs=None, **kwargs):
    if getattr(settings, "DB_APP_ROLE", ""):
        return []
    return [
        checks.Warning(
            "DB_APP_ROLE is not set: migrate grants no database role anything, so the web would need the "
            "owner's DATABASE_URL and could drop partitions.",
            hint="Create an app role, set DB_APP_ROLE to it, and give the web its DATABASE_URL "
            "(README, Database roles).",
            id="chaverim.W010",
        )
    ]
