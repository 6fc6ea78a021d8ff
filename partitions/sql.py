"""Raw SQL of the partition engine.

Identifiers come only from the validated registry or the catalog and are composed with
`psycopg.sql.Identifier`; values are always parameters. Bounds are text with an explicit `+00` offset,
cast to timestamptz, so the session time zone never shifts them.
"""

from psycopg import sql

# -- catalog (read with TimeZone=UTC so pg_get_expr prints bounds at +00) ---------------------------------

SESSION_UTC = "SELECT set_config('TimeZone', 'UTC', true), set_config('lock_timeout', %s, true)"

CHILDREN = """
    SELECT registered.name,
           parent.oid IS NOT NULL,
           coalesce(parent.relkind = 'p', false),
           child.relname,
           child_ns.nspname,
           child_ns.oid IS DISTINCT FROM parent.relnamespace,
           pg_get_expr(child.relpartbound, child.oid),
           child.reltuples,
           pg_total_relation_size(child.oid)
      FROM unnest(%s::text[]) AS registered(name)
      LEFT JOIN pg_class AS parent ON parent.oid = to_regclass(registered.name)
      LEFT JOIN pg_inherits AS inh ON inh.inhparent = parent.oid
      LEFT JOIN pg_class AS child ON child.oid = inh.inhrelid
      LEFT JOIN pg_namespace AS child_ns ON child_ns.oid = child.relnamespace
     ORDER BY registered.name, child.relname
"""

# Every marked drain table of the schema (partitions/drain.py), for the status page (reltuples: an
# estimate, as elsewhere on the page).
DRAIN_TABLES = """
    SELECT c.relname, obj_description(c.oid, 'pg_class'), c.reltuples
      FROM pg_class AS c
     WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND NOT c.relispartition
       AND c.relname LIKE %s AND obj_description(c.oid, 'pg_class') LIKE 'chaverim drain of %%'
     ORDER BY c.relname
"""

# Relations in the current schema named like a partition of a registered table (children are set apart
# in Python): a CREATE TABLE of that name would fail, so the planner reports the period instead. In the
# same query, the marked drain tables (with their marker; NULL for the others): a drain table left behind
# makes the planner want its period.
LOOKALIKES = """
    SELECT c.relname, drain.marker
      FROM pg_class AS c
      LEFT JOIN LATERAL (SELECT obj_description(c.oid, 'pg_class') AS marker) AS drain
        ON c.relkind = 'r' AND NOT c.relispartition AND c.relname LIKE %s
     WHERE c.relnamespace = current_schema()::regnamespace
       AND (c.relname ~ %s OR drain.marker LIKE 'chaverim drain of %%')
"""

# One SELECT per DEFAULT partition, joined with UNION ALL. The DEFAULT partition is kept empty, so
# counting its rows is cheap; months are year * 12 + month - 1 in UTC, NULL for rows at ±infinity (which
# no period holds, but which are counted all the same).
DEFAULT_ROWS_BY_MONTH = sql.SQL(
    "SELECT %s::text, "
    "CASE WHEN isfinite({column}) THEN (extract(year FROM {column} AT TIME ZONE 'UTC') * 12 "
    "+ extract(month FROM {column} AT TIME ZONE 'UTC') - 1)::bigint END, count(*) "
    "FROM {default} GROUP BY 2"
)
# The same for a daily table: days are Python's date.toordinal() of the UTC date (0001-01-01 is day 1).
DEFAULT_ROWS_BY_DAY = sql.SQL(
    "SELECT %s::text, "
    "CASE WHEN isfinite({column}) THEN (({column} AT TIME ZONE 'UTC')::date - DATE '0001-01-01' + 1)::bigint "
    "END, count(*) FROM {default} GROUP BY 2"
)

# -- executor ------------------------------------------------------------------------------------------

LOCK_TIMEOUT = "SELECT set_config('lock_timeout', %s, true)"
MAINTENANCE_FLAG_ON = "SELECT set_config('chaverim.partition_maintenance', 'on', true)"
# Switched off straight after the move: should the caller hold an outer transaction, the flag must
# not outlive the rescue inside it.
MAINTENANCE_FLAG_OFF = "SELECT set_config('chaverim.partition_maintenance', 'off', true)"

# Held by a side connection for the whole run: one run per parent at a time.
ADVISORY_LOCK = "SELECT pg_try_advisory_xact_lock(%s, hashtext(%s))"
ADVISORY_LOCK_NAMESPACE = 0x50415254  # "PART"

# Also held by that side connection, from before the run shows as running until it ends: a running run
# whose lock nobody holds has lost its process (killed, host gone), and is shown and recorded as abandoned.
RUN_LOCK = "SELECT pg_advisory_xact_lock(%s, %s)"
RUN_LOCK_NAMESPACE = 0x52554E53  # "RUNS"
# Which of the given runs are alive: pg_locks shows every session's locks to any role (the web's too).
RUNS_ALIVE = """
    SELECT l.objid::bigint
      FROM pg_catalog.pg_locks AS l
     WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
       AND l.database = (SELECT d.oid FROM pg_catalog.pg_database AS d WHERE d.datname = current_database())
       AND l.classid = %s::bigint::oid AND l.objid = ANY(%s::bigint[]::oid[])
"""
# Run now: two presses at once wait for each other, so the second sees the first's queued run. The name has a
# space, so it never hashes like a table's lock.
RUN_NOW_LOCK = "SELECT pg_advisory_xact_lock(%s, hashtext('run now'))"

INSERTABLE_COLUMNS = """
    SELECT attname
      FROM pg_attribute
     WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
     ORDER BY attnum
"""

PARTITION_BOUND = """
    SELECT pg_get_expr(child.relpartbound, child.oid)
      FROM pg_inherits AS inh
      JOIN pg_class AS child ON child.oid = inh.inhrelid
     WHERE inh.inhparent = to_regclass(%s) AND child.oid = to_regclass(%s)
"""

# LIKE copies the parent's indexes, so ATTACH reuses them instead of building them under lock; the
# CHECK matching the bounds lets ATTACH skip its validation scan (dropped once attached).
CREATE_STANDALONE = sql.SQL(
    "CREATE TABLE {partition} (LIKE {parent} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES "
    "INCLUDING STORAGE INCLUDING COMMENTS, "
    "CONSTRAINT {check} CHECK ({column} >= %s::timestamptz AND {column} < %s::timestamptz))"
)

# ATTACH clones the parent's row triggers, but not its statement-level ones: the BEFORE TRUNCATE triggers
# (write-once) are copied onto each new month, so that a month truncated by name is refused as the parent is.
PARENT_TRUNCATE_TRIGGERS = """
    SELECT t.tgname, n.nspname, p.proname
      FROM pg_trigger AS t
      JOIN pg_proc AS p ON p.oid = t.tgfoid
      JOIN pg_namespace AS n ON n.oid = p.pronamespace
     WHERE t.tgrelid = to_regclass(%s) AND NOT t.tgisinternal
       AND t.tgtype & 32 <> 0 AND t.tgtype & 2 <> 0 AND t.tgtype & 1 = 0
     ORDER BY t.tgname
"""

CREATE_TRUNCATE_TRIGGER = sql.SQL(
    "CREATE TRIGGER {trigger} BEFORE TRUNCATE ON {partition} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
)

# Taken after the bulk of the rows moved, only when rows for the month may be arriving (the live
# month, or rows waiting in DEFAULT): an INSERT routed to DEFAULT before ATTACH commits would fail
# DEFAULT's new constraint; held off at the parent instead, it waits for this short transaction and is
# then routed to the new partition.
LOCK_PARENT_FOR_RESCUE = sql.SQL("LOCK TABLE ONLY {parent} IN SHARE MODE")

# Stops new stray rows reaching DEFAULT while the last of its rows for the month move; ATTACH needs this
# lock anyway, to check DEFAULT's new constraint.
LOCK_DEFAULT = sql.SQL("LOCK TABLE ONLY {default} IN ACCESS EXCLUSIVE MODE")

# What DETACH takes on the parent, taken first so that the wait for it can be kept short.
LOCK_PARENT_FOR_DETACH = sql.SQL("LOCK TABLE ONLY {parent} IN ACCESS EXCLUSIVE MODE")

# Before the retention hooks read a retiring partition: no row may arrive in it or leave it until it is gone.
# SHARE blocks only writes to this partition (months past retention get none); readers and writers of every
# other month go on, and DETACH upgrades the lock.
LOCK_PARTITION_FOR_HOOKS = sql.SQL("LOCK TABLE ONLY {partition} IN SHARE MODE")

MOVE_DEFAULT_ROWS = sql.SQL(
    "WITH moved AS (DELETE FROM ONLY {default} "
    "WHERE {column} >= %s::timestamptz AND {column} < %s::timestamptz RETURNING {columns}) "
    "INSERT INTO {partition} ({columns}) SELECT {columns} FROM moved"
)

ATTACH = sql.SQL(
    "ALTER TABLE {parent} ATTACH PARTITION {partition} FOR VALUES FROM (%s::timestamptz) TO (%s::timestamptz)"
)

DROP_CHECK = sql.SQL("ALTER TABLE {partition} DROP CONSTRAINT {check}")

DETACH = sql.SQL("ALTER TABLE {parent} DETACH PARTITION {partition}")

DROP_TABLE = sql.SQL("DROP TABLE {partition}")

CREATE_ARCHIVE_SCHEMA = sql.SQL("CREATE SCHEMA IF NOT EXISTS {schema}")

MOVE_TO_SCHEMA = sql.SQL("ALTER TABLE {partition} SET SCHEMA {schema}")

# After rows move out of DEFAULT, the planner's and the status page's row estimates come from these.
ANALYZE = sql.SQL("ANALYZE {table}")

# -- metrics -------------------------------------------------------------------------------------------

# For the rest of the scrape's transaction: a read queued behind DDL gives up instead of hanging the scrape.
STATEMENT_TIMEOUT = "SELECT set_config('statement_timeout', %s, true)"

# Actions of every recorded run by kind and result, for /metrics: runs only ever gain actions, so the
# counts only grow. {runs} is the MaintenanceRun table.
ACTIONS_BY_RESULT = sql.SQL(
    "SELECT action ->> 'action', action ->> 'result', count(*) "
    "FROM {runs}, jsonb_array_elements({runs}.actions) AS action GROUP BY 1, 2"
)
