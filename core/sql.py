"""Raw SQL of the core app."""

from psycopg import sql as pgsql

AUDIT_LOG_INSERT = """
    INSERT INTO audit_log (occurred_at, actor_id, action, object_type, object_id, details)
    VALUES (now(), %s, %s, %s, %s, %s)
"""

TABLE_COLUMNS = """
    SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull
      FROM pg_attribute AS a
     WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped
"""

# -- database roles (core/db_roles.py) ----------------------------------------------------------------------
# Identifiers (roles, tables, schemas) are composed with psycopg.sql.Identifier; names to look up are
# parameters. Ownership is pg_has_role(…, 'MEMBER'): a member of the owner can become it.

ROLE_FOR_GRANTS = """
    SELECT r.rolsuper, r.rolname = current_user
      FROM pg_catalog.pg_roles AS r
     WHERE r.rolname = %s
"""

CURRENT_SCHEMA = "SELECT current_schema()"

# The named tables that exist (resolved through the search path, as the unqualified GRANTs are).
TABLES_PRESENT = """
    SELECT t.name
      FROM unnest(%s::text[]) AS t(name)
     WHERE pg_catalog.to_regclass(pg_catalog.quote_ident(t.name)) IS NOT NULL
     ORDER BY t.name
"""

# Which of the named tables the given role owns, or could become the owner of.
TABLES_OWNED_BY_ROLE = """
    SELECT t.name
      FROM unnest(%s::text[]) AS t(name)
      JOIN pg_catalog.pg_class AS c ON c.oid = pg_catalog.to_regclass(pg_catalog.quote_ident(t.name))
     WHERE pg_catalog.pg_has_role(%s, c.relowner, 'MEMBER')
     ORDER BY t.name
"""

# Every relation outside the system schemas on which the role holds a privilege, on the table or a column.
RELATIONS_GRANTED_TO_ROLE = """
    SELECT n.nspname, c.relname, c.relkind = 'S'
      FROM pg_catalog.pg_class AS c
      JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%%'
       AND (EXISTS (SELECT 1 FROM pg_catalog.aclexplode(c.relacl) AS a WHERE a.grantee = %(role)s::regrole)
            OR EXISTS (SELECT 1
                         FROM pg_catalog.pg_attribute AS att, pg_catalog.aclexplode(att.attacl) AS a
                        WHERE att.attrelid = c.oid AND a.grantee = %(role)s::regrole))
     ORDER BY 1, 2
"""

# The named tables and every partition below them (for the ingestion role, whose other grants are not ours).
TABLES_AND_PARTITIONS = """
    SELECT n.nspname, c.relname
      FROM unnest(%s::text[]) AS t(name)
     CROSS JOIN LATERAL
           pg_catalog.pg_partition_tree(pg_catalog.to_regclass(pg_catalog.quote_ident(t.name))) AS p
      JOIN pg_catalog.pg_class AS c ON c.oid = p.relid
      JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
     ORDER BY 1, 2
"""

# Sequences behind serial and identity columns of the named tables (nextval() needs USAGE on them).
SEQUENCES_OF_TABLES = """
    SELECT DISTINCT n.nspname, s.relname
      FROM unnest(%s::text[]) AS t(name)
      JOIN pg_catalog.pg_depend AS d
        ON d.refobjid = pg_catalog.to_regclass(pg_catalog.quote_ident(t.name))
       AND d.refclassid = 'pg_catalog.pg_class'::regclass
       AND d.classid = 'pg_catalog.pg_class'::regclass
       AND d.deptype IN ('a', 'i')
      JOIN pg_catalog.pg_class AS s ON s.oid = d.objid AND s.relkind = 'S'
      JOIN pg_catalog.pg_namespace AS n ON n.oid = s.relnamespace
     ORDER BY 1, 2
"""

REVOKE_ALL_ON_TABLE = pgsql.SQL("REVOKE ALL ON TABLE {table} FROM {role}")
REVOKE_ALL_ON_SEQUENCE = pgsql.SQL("REVOKE ALL ON SEQUENCE {sequence} FROM {role}")
GRANT_ON_TABLE = pgsql.SQL("GRANT {privileges} ON TABLE {table} TO {role}")
GRANT_SEQUENCE_USAGE = pgsql.SQL("GRANT USAGE ON SEQUENCE {sequence} TO {role}")
GRANT_SCHEMA_USAGE = pgsql.SQL("GRANT USAGE ON SCHEMA {schema} TO {role}")
REVOKE_SCHEMA_CREATE = pgsql.SQL("REVOKE CREATE ON SCHEMA {schema} FROM {role}")

# What the connection's role is: superuser or not, which of the named tables it owns, and whether it may
# create tables in its schema (PostgreSQL 14 lets everyone create in `public` unless revoked).
CURRENT_ROLE_STATUS = """
    SELECT current_user,
           r.rolsuper,
           ARRAY(SELECT t.name
                   FROM unnest(%s::text[]) AS t(name)
                   JOIN pg_catalog.pg_class AS c
                     ON c.oid = pg_catalog.to_regclass(pg_catalog.quote_ident(t.name))
                  WHERE pg_catalog.pg_has_role(current_user, c.relowner, 'MEMBER')
                  ORDER BY t.name),
           coalesce(pg_catalog.has_schema_privilege(current_user, current_schema(), 'CREATE'), false)
      FROM pg_catalog.pg_roles AS r
     WHERE r.rolname = current_user
"""

# Which of the named tables the connection's role neither owns nor could become the owner of.
TABLES_NOT_OWNED = """
    SELECT current_user,
           ARRAY(SELECT t.name
                   FROM unnest(%s::text[]) AS t(name)
                   JOIN pg_catalog.pg_class AS c
                     ON c.oid = pg_catalog.to_regclass(pg_catalog.quote_ident(t.name))
                  WHERE NOT pg_catalog.pg_has_role(current_user, c.relowner, 'MEMBER')
                  ORDER BY t.name)
"""

# The DEFAULT partition of each named partitioned table (found by the catalog, not by its name).
DEFAULT_PARTITIONS_OF = """
    SELECT n.nspname, c.relname
      FROM unnest(%s::text[]) AS t(name)
      JOIN pg_catalog.pg_partitioned_table AS p
        ON p.partrelid = pg_catalog.to_regclass(pg_catalog.quote_ident(t.name))
      JOIN pg_catalog.pg_class AS c ON c.oid = p.partdefid
      JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
     ORDER BY 1, 2
"""
