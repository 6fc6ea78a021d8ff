"""System check: every `managed = False` model must match its live table (columns, types, nullability)."""

from django.apps import apps
from django.core import checks
from django.db import DatabaseError, connections

from core import sql


def _normalize(db_type: str) -> str:
    return db_type.replace("varchar(", "character varying(").strip()


def schema_drift(connection) -> list[str]:
    """Describe every difference between the unmanaged models and the catalog, one sentence each."""
    problems = []
    models = [model for model in apps.get_models() if not model._meta.managed and not model._meta.proxy]
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(sql.TABLE_COLUMNS, [table])
            live = {name: (db_type, not_null) for name, db_type, not_null in cursor.fetchall()}
            if not live:
                problems.append(f"{model.__name__}: table {table} does not exist")
                continue
            for field in model._meta.concrete_fields:
                column = field.column
                if column not in live:
                    problems.append(f"{model.__name__}.{field.name}: column {table}.{column} does not exist")
                    continue
                live_type, live_not_null = live[column]
                expected = _normalize(field.db_type(connection) or "")
                if expected and expected != live_type:
                    problems.append(
                        f"{model.__name__}.{field.name}: {table}.{column} is {live_type}, "
                        f"the model says {expected}"
                    )
                if field.null == live_not_null:
                    problems.append(
                        f"{model.__name__}.{field.name}: {table}.{column} is "
                        f"{'NOT NULL' if live_not_null else 'nullable'}, the model says "
                        f"{'nullable' if field.null else 'NOT NULL'}"
                    )
    return problems


@checks.register(checks.Tags.database)
def check_platform_schema(app_configs=None, databases=None, **kwargs):
    if not databases or "default" not in databases:
        return []
    try:
        problems = schema_drift(connections["default"])
    except DatabaseError as exc:
        return [checks.Warning(f"Could not compare the models with the database: {exc}", id="chaverim.W001")]
    # Warnings, not errors: `migrate` runs database checks first, and must still run on a fresh database.
    return [checks.Warning(problem, id="chaverim.W002") for problem in problems]
