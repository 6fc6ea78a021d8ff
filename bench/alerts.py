"""The Alerts page's query count with few and with many watchlist hits (the two must be equal).

Hits are seeded server-side into the current database (`django_use`), counted against, then removed again.
"""

from django.db import connection

from bench.pages import query_count

ALERTS_URL = "/alerts/"
SMALL_HITS = 10
LARGE_HITS = 100_000

# `count` hits a few seconds apart going back from now, in every status, spread over up to 1,000 active
# entries of active watchlists and over every collector (the page reads each shown hit's watchlist, entry
# and collector: many distinct ones is the case that would cost queries per row).
HITS_INSERT = """
    WITH entries AS (
        SELECT array_agg(entry.id ORDER BY entry.id) AS ids,
               array_agg(entry.watchlist_id ORDER BY entry.id) AS watchlist_ids,
               array_agg(entry.plate_number ORDER BY entry.id) AS plates
          FROM (SELECT e.id, e.watchlist_id, e.plate_number
                  FROM watchlist_entries AS e
                  JOIN watchlists AS w ON w.id = e.watchlist_id AND NOT w.is_deleted
                 WHERE NOT e.is_deleted
                 ORDER BY e.id
                 LIMIT 1000) AS entry
    ), collectors AS (SELECT array_agg(id ORDER BY id) AS ids FROM collectors)
    INSERT INTO alert_queue (event_id, event_captured_at, watchlist_id, entry_id, plate_number, collector_id,
                             created_at, status, processed_at)
    SELECT n, hit.at - interval '2 seconds',
           entries.watchlist_ids[1 + n %% cardinality(entries.ids)],
           entries.ids[1 + n %% cardinality(entries.ids)],
           entries.plates[1 + n %% cardinality(entries.ids)],
           collectors.ids[1 + n %% cardinality(collectors.ids)],
           hit.at,
           (ARRAY['queued', 'sent', 'acknowledged', 'failed'])[1 + n %% 4],
           CASE WHEN n %% 4 = 0 THEN NULL ELSE hit.at + interval '5 seconds' END
      FROM generate_series(%(first)s, %(last)s) AS n
     CROSS JOIN LATERAL (SELECT now() - n * interval '7 seconds' AS at) AS hit, entries, collectors
"""
HITS_LAST_ID = "SELECT coalesce(max(id), 0) FROM alert_queue"
HITS_DELETE = "DELETE FROM alert_queue WHERE id > %(after)s"
HITS_READY = """
    SELECT EXISTS (SELECT 1 FROM collectors)
       AND EXISTS (SELECT 1 FROM watchlist_entries AS e JOIN watchlists AS w ON w.id = e.watchlist_id
                    WHERE NOT e.is_deleted AND NOT w.is_deleted)
"""


def _hits_insert(first: int, last: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(HITS_INSERT, {"first": first, "last": last})
        cursor.execute("ANALYZE alert_queue")


def alerts_page_queries(client, *, small: int = SMALL_HITS, large: int = LARGE_HITS) -> dict[str, int]:
    """Count the SQL queries of one GET /alerts/ with `small` hits, then with `large`; remove those hits.

    The database needs at least one collector and one active watchlist entry (the bench seeds both).
    """
    with connection.cursor() as cursor:
        cursor.execute(HITS_READY)
        if not cursor.fetchone()[0]:
            raise RuntimeError("no collector or no active watchlist entry to make hits for")
        cursor.execute(HITS_LAST_ID)
        before = cursor.fetchone()[0]
    try:
        _hits_insert(1, small)
        queries_small = query_count(client, ALERTS_URL)
        _hits_insert(small + 1, large)
        queries_large = query_count(client, ALERTS_URL)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(HITS_DELETE, {"after": before})
    return {"alerts_page_queries_small": queries_small, "alerts_page_queries_large": queries_large}
