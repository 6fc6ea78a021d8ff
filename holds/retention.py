"""Retention honours legal holds: held detections are copied to `events_held` before they leave `events`.

The partition engine calls these through hooks the composition root registers for `events` (holds may not
import the engine): `events_held_keep` inside the transaction that retires a month (or expires a period of
DEFAULT), `events_held_release` once per maintenance run, `events_held_preview` for the plan page, and
`events_held_summary` for the status page. The `retiring` argument is the engine's RetiringPartition: a table,
a partition (`qualified`: with its schema), the period's [start, end) and whether it is DEFAULT.

A row matches a hold when the hold is active (not released), its plate is the hold's (if set), its collector
the hold's (if set), and it was captured in the hold's [starts_at, ends_at). Plates are compared normalized
(core/plates.py: upper case, no spaces or dashes): holds store them so, and nothing makes collectors do.
"""

import datetime as dt

from psycopg import sql as pgsql

# Holds placed or released while rows leave wait for this transaction: a hold that commits has either seen
# its rows kept, or placed after they were gone (READ COMMITTED would otherwise miss one committed meanwhile).
LOCK_HOLDS = "LOCK TABLE legal_holds IN SHARE MODE"

# Copy the rows of the partition in [start, end) that active holds match, each with the ids of all the holds
# it matches, and say how many rows each hold keeps (a row several holds match counts for each).
# - Every column of events is copied ({columns}, read from the catalog): a column events_held lacks fails the
#   retirement, which then keeps its rows in place.
# - One pass over the partition for all holds: a row is a candidate when its normalized plate is a plate
#   hold's, or its collector a collector-only hold's; only candidates are matched against each hold. Nothing
#   is read when no active hold meets the period.
# - Idempotent: a row kept before (a rerun) is not copied twice; a hold that newly matches it joins the holds
#   keeping it, so releasing the first one alone does not let it go.
EVENTS_HELD_KEEP = pgsql.SQL("""
    WITH active AS MATERIALIZED (
        SELECT h.id, h.case_number, h.plate_number, h.collector_id, h.starts_at, h.ends_at
          FROM legal_holds AS h
         WHERE h.released_at IS NULL AND h.starts_at < %(end)s AND h.ends_at > %(start)s
    ),
    candidates AS (
        SELECT e.*, upper(regexp_replace(e.plate_number, '[[:space:]-]+', '', 'g')) AS plate_key
          FROM {partition} AS e
         WHERE e.captured_at >= %(start)s AND e.captured_at < %(end)s
           AND EXISTS (SELECT 1 FROM active)
    ),
    matched AS (
        SELECT c.*,
               ARRAY(SELECT h.id
                       FROM active AS h
                      WHERE (h.plate_number = '' OR h.plate_number = c.plate_key)
                        AND (h.collector_id IS NULL OR h.collector_id = c.collector_id)
                        AND c.captured_at >= h.starts_at AND c.captured_at < h.ends_at
                      ORDER BY h.id) AS hold_ids
          FROM candidates AS c
         WHERE c.plate_key = ANY (ARRAY(SELECT plate_number FROM active WHERE plate_number <> ''))
            OR c.collector_id = ANY (ARRAY(SELECT collector_id FROM active WHERE plate_number = ''))
    ),
    kept AS (
        INSERT INTO events_held AS held ({columns}, hold_ids)
        SELECT {columns}, hold_ids
          FROM matched
         WHERE cardinality(hold_ids) > 0
        ON CONFLICT (id, captured_at) DO UPDATE
           SET hold_ids = ARRAY(SELECT DISTINCT k FROM unnest(held.hold_ids || EXCLUDED.hold_ids) AS k
                                 ORDER BY k)
         WHERE NOT EXCLUDED.hold_ids <@ held.hold_ids
        RETURNING 1
    )
    SELECT h.id, h.case_number, count(*)
      FROM active AS h
      JOIN matched AS m ON h.id = ANY(m.hold_ids)
     GROUP BY h.id, h.case_number
     ORDER BY h.id
""")

# The columns a row of the table has (those a copy can insert: not generated ones), in order.
TABLE_COLUMNS = """
    SELECT attname
      FROM pg_catalog.pg_attribute
     WHERE attrelid = pg_catalog.to_regclass(%s) AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
     ORDER BY attnum
"""

# The plan page's estimate, read through the parent `events` (the web's role may read it, not each partition
# by name) and bounded: for each active hold meeting the period, one probe of the index on the plate as stored
# (or of collector and time, for a collector-only hold), never a scan of the month. A row whose plate is
# stored with spaces, dashes or lower case is not counted here but is kept all the same: hence "at least".
EVENTS_HELD_PREVIEW = """
    SELECT h.id, h.case_number, counted.rows
      FROM legal_holds AS h
     CROSS JOIN LATERAL (
        SELECT CASE WHEN h.plate_number <> '' THEN (
                   SELECT count(*) FROM events AS e
                    WHERE e.plate_number = h.plate_number
                      AND (h.collector_id IS NULL OR e.collector_id = h.collector_id)
                      AND e.captured_at >= %(start)s AND e.captured_at < %(end)s
                      AND e.captured_at >= h.starts_at AND e.captured_at < h.ends_at)
               ELSE (
                   SELECT count(*) FROM events AS e
                    WHERE e.collector_id = h.collector_id
                      AND e.captured_at >= %(start)s AND e.captured_at < %(end)s
                      AND e.captured_at >= h.starts_at AND e.captured_at < h.ends_at)
               END AS rows
     ) AS counted
     WHERE h.released_at IS NULL AND h.starts_at < %(end)s AND h.ends_at > %(start)s
     ORDER BY h.id
"""

# A kept row that an active hold matches but does not name (a hold placed after the row was kept) is named by
# it from now on: hold_ids is then the whole truth, for the sweep, the status page and the search's label.
EVENTS_HELD_ADOPT = """
    UPDATE events_held AS held
       SET hold_ids = ARRAY(SELECT DISTINCT k FROM unnest(held.hold_ids || joining.ids) AS k ORDER BY k)
      FROM (SELECT e.id, e.captured_at, array_agg(h.id) AS ids
              FROM events_held AS e
              JOIN legal_holds AS h
                ON h.released_at IS NULL AND NOT h.id = ANY(e.hold_ids)
               AND (h.plate_number = ''
                    OR h.plate_number = upper(regexp_replace(e.plate_number, '[[:space:]-]+', '', 'g')))
               AND (h.collector_id IS NULL OR e.collector_id = h.collector_id)
               AND e.captured_at >= h.starts_at AND e.captured_at < h.ends_at
             GROUP BY e.id, e.captured_at) AS joining
     WHERE held.id = joining.id AND held.captured_at = joining.captured_at
"""

# Then remove the rows of periods past retention that no active hold keeps. The first row gives the total
# and the oldest row removed; then how many each case had kept (a hold_id naming no hold is counted too).
EVENTS_HELD_RELEASE = """
    WITH removed AS (
        DELETE FROM events_held AS e
         WHERE e.captured_at < %(cutoff)s
           AND NOT EXISTS (SELECT 1 FROM legal_holds AS h
                            WHERE h.id = ANY(e.hold_ids) AND h.released_at IS NULL)
        RETURNING e.hold_ids, e.captured_at
    )
    SELECT 0 AS part, NULL AS case_number, count(*), min(captured_at) FROM removed
     UNION ALL
    SELECT 1, coalesce(h.case_number, 'unknown (hold ' || k.id || ')'), count(*), NULL
      FROM removed AS r
     CROSS JOIN LATERAL unnest(r.hold_ids) AS k(id)
      LEFT JOIN legal_holds AS h ON h.id = k.id
     GROUP BY 2
     ORDER BY 1, 2
"""

# What events_held keeps, by month (UTC) and hold, for the status page.
EVENTS_HELD_BY_MONTH = """
    SELECT date_trunc('month', e.captured_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
           coalesce(h.case_number, 'unknown (hold ' || k.id || ')'),
           h.released_at IS NULL AND h.id IS NOT NULL,
           count(*)
      FROM events_held AS e
     CROSS JOIN LATERAL unnest(e.hold_ids) AS k(id)
      LEFT JOIN legal_holds AS h ON h.id = k.id
     GROUP BY 1, k.id, 2, 3
     ORDER BY 1, k.id
"""


def _rows(count: int) -> str:
    return f"{count} row{'' if count == 1 else 's'}"


def _bounds(retiring) -> dict:
    return {"start": retiring.start, "end": retiring.end}


def events_held_keep(cursor, retiring) -> list[str]:
    """Copy the rows of the retiring period that active holds match into events_held (a retention hook).

    Called in the engine's retire transaction, with the partition locked against writes: the copy commits
    or rolls back with the retirement. Returns one note per hold that keeps rows.
    """
    cursor.execute(LOCK_HOLDS)
    cursor.execute(TABLE_COLUMNS, [retiring.table])
    columns = pgsql.SQL(", ").join(pgsql.Identifier(name) for (name,) in cursor.fetchall())
    statement = EVENTS_HELD_KEEP.format(partition=pgsql.Identifier(*retiring.qualified), columns=columns)
    # A row kept before may gain a hold: an UPDATE of a write-once row, let through by the maintenance flag
    # the engine sets while hooks run.
    cursor.execute(statement, _bounds(retiring))
    rows = cursor.fetchall()
    return [f"{retiring.label}: {_rows(count)} kept for case {case}" for _id, case, count in rows]


def events_held_preview(cursor, retiring) -> list[str]:
    """Say about how many rows of the retiring period events_held_keep would keep, changing nothing.

    For the plan page: bounded by index probes, and a lower bound (plates compared as stored).
    """
    cursor.execute(EVENTS_HELD_PREVIEW, _bounds(retiring))
    return [
        f"{retiring.label}: at least {_rows(count)} to keep for case {case}"
        for _id, case, count in cursor.fetchall()
        if count
    ]


def events_held_release(cursor, table: str, cutoff: dt.datetime) -> tuple[int, list[str], dt.datetime | None]:
    """Remove held rows captured before `cutoff` that no active hold keeps or matches.

    Called once per maintenance run, as the owner, in a transaction of its own with the maintenance flag on
    (the write-once trigger lets the UPDATE and DELETE through); the engine audits it. Returns how many rows
    were removed, one note per case, and when the oldest of them was captured.
    """
    cursor.execute(LOCK_HOLDS)
    cursor.execute(EVENTS_HELD_ADOPT)
    cursor.execute(EVENTS_HELD_RELEASE, {"cutoff": cutoff})
    (_part, _case, removed, oldest), *cases = cursor.fetchall()
    notes = [f"events_held: {_rows(count)} released by case {case}" for _part, case, count, _none in cases]
    return removed, notes, oldest


def events_held_summary(cursor) -> list[tuple[dt.datetime, str, bool, int]]:
    """Return (month start, case number, hold active, rows) for what events_held keeps, by month and hold."""
    cursor.execute(EVENTS_HELD_BY_MONTH)
    return cursor.fetchall()
