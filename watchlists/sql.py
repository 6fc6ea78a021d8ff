"""Raw SQL of the watchlists app: the hotlist import's two set-based writes."""

# Every new plate of an import in one statement (up to 10,000 rows, four parameters); the columns not named
# take the platform's defaults: id, created_at, is_deleted false, version 1.
HOTLIST_ENTRIES_INSERT = """
    INSERT INTO watchlist_entries (watchlist_id, plate_number, reason, created_by)
    SELECT %(watchlist_id)s, new.plate_number, new.reason, %(actor_id)s
      FROM unnest(%(plates)s::varchar[], %(reasons)s::text[]) AS new (plate_number, reason)
"""

# Every deleted entry an import brings back, in one statement; a line without a reason keeps the old one.
# Guarded as every restore is (still deleted, still on this watchlist) and bumps the version.
HOTLIST_ENTRIES_RESTORE = """
    UPDATE watchlist_entries AS e
       SET is_deleted = false,
           deleted_at = NULL,
           deleted_by = NULL,
           reason = CASE WHEN back.reason = '' THEN e.reason ELSE back.reason END,
           version = e.version + 1
      FROM unnest(%(entry_ids)s::uuid[], %(reasons)s::text[]) AS back (id, reason)
     WHERE e.id = back.id
       AND e.watchlist_id = %(watchlist_id)s
       AND e.is_deleted
"""
