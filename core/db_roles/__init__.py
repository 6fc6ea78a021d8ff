"""Least-privilege database roles: what `migrate` grants the web's role, and which role a process runs as.

Two roles (DESIGN.md, "WORM, by privilege first"): the owner owns every table and runs migrate, the partition
engine, the worker and beat; the app role (DB_APP_ROLE) is what the web connects as. Apps declare what the app
role needs on their platform tables in `AppConfig.ready()` (`db_privileges_register`); every table Django
manages gets what Django needs. After each `migrate`, in one transaction, the app role loses every privilege
it holds on any relation and gets exactly those back, so new tables are covered and nothing granted by hand
lingers. The app role reaches partitions through their parent and holds nothing on any month partition; the
one exception is SELECT on the DEFAULT partitions the partition engine registers: its status page counts the
rows waiting there without reading, or locking, the parent.
"""

from core.db_roles.grants import (
    GrantSummary,
    RoleConfigurationError,
    db_grants_apply,
    db_roles_check,
    grants_apply_after_migrate,
    roles_check_before_migrate,
)
from core.db_roles.registry import (
    APP,
    INGEST,
    PRIVILEGES,
    ROLE_SETTINGS,
    db_default_partition_read_register,
    db_privileges_register,
    platform_tables,
    role_privileges,
)
from core.db_roles.status import (
    INSUFFICIENT_PRIVILEGE,
    DatabaseRoleStatus,
    OwnerRoleRequiredError,
    check_app_role_configured,
    database_owner_require,
    database_role_ready,
    database_role_status,
    is_privilege_error,
    statement_logger_install,
)

__all__ = [
    "APP",
    "INGEST",
    "INSUFFICIENT_PRIVILEGE",
    "PRIVILEGES",
    "ROLE_SETTINGS",
    "DatabaseRoleStatus",
    "GrantSummary",
    "OwnerRoleRequiredError",
    "RoleConfigurationError",
    "check_app_role_configured",
    "database_owner_require",
    "database_role_ready",
    "database_role_status",
    "db_default_partition_read_register",
    "db_grants_apply",
    "db_privileges_register",
    "db_roles_check",
    "grants_apply_after_migrate",
    "is_privilege_error",
    "platform_tables",
    "role_privileges",
    "roles_check_before_migrate",
    "statement_logger_install",
]
