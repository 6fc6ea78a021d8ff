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

# -- the audit log's hash chain (core/audit_chain.py) --------------------------------------------------------
# The walk asks for each row's canonical pieces as text, with built-in casts only, and hashes them in Python:
# a redefined audit_chain_canonical() in the database cannot fake a verification. The head comes from the
# same statement (an InitPlan, evaluated once), so it is read in the same snapshot as the rows. The two
# branches are typed alike, filtered outside the UNION and ordered by position alone: the planner then merges
# them in index order rather than sorting the whole log. A position both live and retired is a duplicate
# whichever comes first.
AUDIT_CHAIN_ROWS = """
    SELECT c.position, c.id, c.prev_hash, c.row_hash,
           c.position_text, c.id_text, c.occurred_text, c.actor_text, c.action_text, c.object_type_text,
           c.object_id_text, c.details_text,
           (SELECT h.position FROM audit_chain_head AS h ORDER BY h.position DESC LIMIT 1),
           (SELECT h.hash FROM audit_chain_head AS h ORDER BY h.position DESC LIMIT 1),
           c.retired
      FROM (
        SELECT a.chain_position AS position, a.id, a.prev_hash, a.row_hash,
               a.chain_position::text AS position_text,
               a.id::text AS id_text,
               CASE WHEN pg_catalog.isfinite(a.occurred_at)
                    THEN pg_catalog.to_char(a.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
                    ELSE a.occurred_at::text END AS occurred_text,
               a.actor_id::text AS actor_text,
               a.action::text AS action_text,
               a.object_type::text AS object_type_text,
               a.object_id::text AS object_id_text,
               a.details::text AS details_text,
               false AS retired
          FROM audit_log AS a
         UNION ALL
        -- Rows retired out of chain order (0003): only their hashes are left, and the walk steps over them.
        -- Typed as the live branch's columns, so that the planner merges the two in position order.
        SELECT r.position, NULL::bigint, r.prev_hash, r.row_hash,
               NULL::text, NULL::text, NULL::text, NULL::text,
               NULL::text, NULL::text, NULL::text, NULL::text,
               true
          FROM audit_chain_retired AS r
      ) AS c
     WHERE c.position > %(start)s
     ORDER BY c.position
"""

# When the walk found no row: the head, and whether rows past `start` exist, in one snapshot.
AUDIT_CHAIN_HEAD_AND_TAIL = """
    SELECT h.position, h.hash, EXISTS (SELECT 1 FROM audit_log AS a WHERE a.chain_position > %s)
      FROM audit_chain_head AS h
     ORDER BY h.position DESC
     LIMIT 1
"""

AUDIT_CHAIN_LATEST_ANCHOR = """
    SELECT position, hash, partition FROM audit_chain_anchor ORDER BY position DESC LIMIT 1
"""

# A row retired out of chain order (0003) still has its hash.
AUDIT_CHAIN_ROW_HASH = """
    SELECT row_hash FROM audit_log WHERE chain_position = %(position)s
     UNION ALL
    SELECT row_hash FROM audit_chain_retired WHERE position = %(position)s
"""

# The retention hook. The rows retiring are those of [start, end) in the partition (a whole month, or one
# period of the DEFAULT partition, which holds other periods too); with the positions retired out of order
# before, those above the latest anchor (`floor`) start with a run floor + 1, floor + 2, ... (a position minus
# its rank is `floor` exactly along that run). The run's last position becomes an anchor: nothing below it is
# live. Each retiring row above the run is kept in audit_chain_retired with its hashes, so that the walk steps
# over it and still checks the live rows around it. The partition is composed with psycopg.sql.Identifier
# (schema and name come from the partition registry and the catalog).
AUDIT_CHAIN_RETIRE = pgsql.SQL("""
    WITH gone AS (
        SELECT chain_position AS position, prev_hash, row_hash, true AS retiring
          FROM {partition}
         WHERE occurred_at >= %(start)s AND occurred_at < %(end)s AND chain_position > %(floor)s
         UNION ALL
        SELECT position, prev_hash, row_hash, false
          FROM audit_chain_retired
         WHERE position > %(floor)s
    ),
    ranked AS (
        SELECT position, prev_hash, row_hash, retiring,
               position - row_number() OVER (ORDER BY position) = %(floor)s AS in_run
          FROM gone
    ),
    anchored AS (
        INSERT INTO audit_chain_anchor (position, hash, partition, range_start, range_end)
        SELECT position, row_hash, %(name)s, %(start)s, %(end)s
          FROM ranked
         WHERE in_run
         ORDER BY position DESC
         LIMIT 1
        ON CONFLICT (position) DO NOTHING
        RETURNING position
    ),
    stepped AS (
        INSERT INTO audit_chain_retired (position, prev_hash, row_hash, partition, range_start, range_end)
        SELECT position, prev_hash, row_hash, %(name)s, %(start)s, %(end)s
          FROM ranked
         WHERE retiring AND NOT in_run
        ON CONFLICT (position) DO NOTHING
        RETURNING position
    )
    SELECT (SELECT position FROM anchored), (SELECT count(*) FROM stepped)
""")

# The first statement of the walk's own transaction: one snapshot for the anchor, the head and every row.
SNAPSHOT_READ_ONLY = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
