"""Every raw SQL statement the benchmark runs, as named constants (values always as parameters)."""

# A plate from an integer k: two letters, four digits, a letter ("QX1234A"); unique for k < 175,760,000.
# Stored as the product normalizes plates: upper-case letters and digits only.
_PLATE = (
    "chr(65 + (k %% 26)::int) || chr(65 + ((k / 26) %% 26)::int)"
    " || lpad(((k / 676) %% 10000)::text, 4, '0') || chr(65 + ((k / 6760000) %% 26)::int)"
)

PLATE_OF = f"SELECT {_PLATE} FROM (SELECT %(k)s::bigint AS k) AS s"

COLLECTORS_INSERT = """
INSERT INTO collectors (site_name, config)
SELECT 'Site ' || lpad(c::text, 3, '0'), jsonb_build_object('lane', c %% 4, 'camera', 'cam-' || c)
FROM generate_series(1, %(collectors)s) AS c
"""

EVENT_INDEXES = (
    ("ix_events_plate_number", "CREATE INDEX ix_events_plate_number ON events (plate_number)"),
    ("ix_events_captured_at", "CREATE INDEX ix_events_captured_at ON events (captured_at)"),
    (
        "ix_events_collector_captured",
        "CREATE INDEX ix_events_collector_captured ON events (collector_id, captured_at)",
    ),
)
EVENT_INDEX_DROP = "DROP INDEX {}"

# Rows in time order over [start, end): the plate index k follows a power law (a few plates are seen
# very often, most rarely), and collectors are skewed too (busy roads, quiet ones).
# OFFSET 0 keeps the volatile random() draws in the subquery, evaluated once per row.
EVENTS_INSERT = f"""
INSERT INTO events (collector_id, plate_number, captured_at)
SELECT c.ids[s.collector], {_PLATE}, s.captured_at
FROM (
    SELECT floor(%(plates)s * power(random(), 2))::bigint AS k,
           1 + floor(cardinality(%(collector_ids)s::uuid[]) * power(random(), 1.5))::int AS collector,
           %(start)s::timestamptz + %(span)s::interval * ((g - random()) / %(rows)s) AS captured_at
    FROM generate_series(1, %(rows)s) AS g
    OFFSET 0
) AS s
CROSS JOIN (SELECT %(collector_ids)s::uuid[] AS ids) AS c
"""

COLLECTOR_IDS = "SELECT array_agg(id ORDER BY site_name) FROM collectors"

WATCHLISTS_INSERT = """
INSERT INTO watchlists (name, description, created_by, is_deleted, deleted_at, deleted_by)
SELECT 'Watchlist ' || lpad(w::text, 5, '0'), 'Benchmark list ' || w, %(user_id)s,
       w %% 20 = 0,
       CASE WHEN w %% 20 = 0 THEN %(deleted_at)s::timestamptz END,
       CASE WHEN w %% 20 = 0 THEN %(user_id)s::uuid END
FROM generate_series(1, %(lists)s) AS w
"""

# Entries of a deleted list were deleted with it (same deleted_at), as the product's soft delete does.
WATCHLIST_ENTRIES_INSERT = f"""
INSERT INTO watchlist_entries
    (watchlist_id, plate_number, reason, created_by, is_deleted, deleted_at, deleted_by)
SELECT w.id, {_PLATE}, 'benchmark', %(user_id)s, w.is_deleted, w.deleted_at, w.deleted_by
FROM (SELECT id, is_deleted, deleted_at, deleted_by, row_number() OVER (ORDER BY name) AS n
      FROM watchlists) AS w
CROSS JOIN generate_series(1, %(per_list)s) AS j
CROSS JOIN LATERAL (SELECT ((w.n * %(per_list)s + j) * 7919) %% %(plates)s AS k) AS p
"""

# DDL takes no bind parameters: bounds are rendered as literals (psycopg.sql.Literal), with their +00 offset.
PARTITION_CREATE_NAIVE = "CREATE TABLE {} PARTITION OF events FOR VALUES FROM ({}) TO ({})"
PARTITION_DROP = "DROP TABLE IF EXISTS {}"
ANALYZE = "ANALYZE"
VACUUM_ANALYZE_TABLE = "VACUUM (ANALYZE) {}"

MAINTENANCE_ON = "SET LOCAL chaverim.partition_maintenance = 'on'"
DEFAULT_EMPTY = "DELETE FROM events_default"
DEFAULT_ROWS = "SELECT count(*) FROM events_default"

EVENT_CHILDREN = """
SELECT c.relname
FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'events'::regclass
ORDER BY c.relname
"""

PARTITION_ROWS = "SELECT count(*) FROM {}"

DELETE_BEFORE = "DELETE FROM events WHERE captured_at < %s"

PLATE_COUNTS_BY_RANK = """
SELECT plate_number, count(*) AS sightings
FROM events
GROUP BY plate_number
ORDER BY sightings DESC, plate_number
OFFSET %(rank)s LIMIT 1
"""

LOCK_HOLDER = "SELECT 1 FROM events LIMIT 1"
SLEEP = "SELECT pg_sleep(%s)"

WRITER_INSERT = "INSERT INTO events (collector_id, plate_number, captured_at) VALUES (%s, %s, now())"
COLLECTOR_ANY = "SELECT id FROM collectors ORDER BY site_name LIMIT 1"

# Plant stray rows for a month that has no partition yet: they land in DEFAULT, as a clock-skewed device's do.
EVENTS_INSERT_STRAY = """
INSERT INTO events (collector_id, plate_number, captured_at)
SELECT %(collector_id)s, 'STRAY' || lpad(g::text, 6, '0'),
       %(start)s::timestamptz + (%(end)s::timestamptz - %(start)s::timestamptz) * random()
FROM generate_series(1, %(rows)s) AS g
"""

LOCK_WAITS = """
SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'events'::regclass
"""

# WAL written between two points: the position before, then the bytes since (a private server: ours alone).
WAL_POSITION = "SELECT pg_current_wal_lsn()"
WAL_BYTES_SINCE = "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)::bigint"
# Before each durable measurement: both sides start with every page's next change writing a full-page image.
CHECKPOINT = "CHECKPOINT"
DATABASE_CREATE = "CREATE DATABASE {}"
DELETE_MONTH = "DELETE FROM events WHERE captured_at >= %s AND captured_at < %s"
DEFAULT_ROWS_BETWEEN = "SELECT count(*) FROM events_default WHERE captured_at >= %s AND captured_at < %s"
