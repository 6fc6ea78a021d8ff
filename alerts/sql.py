"""Raw SQL of the alerts app."""

# Acknowledge a hit only if it is still as the user saw it (status and processed_at): one conditional UPDATE,
# so that a change made in between by someone else (another user, the dispatcher) is never overwritten.
# An acknowledged hit is never acknowledged again.
ALERT_ACKNOWLEDGE = """
    UPDATE alert_queue
       SET status = 'acknowledged', processed_at = %(now)s
     WHERE id = %(id)s
       AND created_at = %(created_at)s
       AND status = %(seen_status)s
       AND status <> 'acknowledged'
       AND processed_at IS NOT DISTINCT FROM %(seen_processed_at)s::timestamptz
 RETURNING plate_number, watchlist_id, entry_id, collector_id, event_id
"""
