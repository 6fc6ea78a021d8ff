"""Raw SQL of the core app."""

AUDIT_LOG_INSERT = """
    INSERT INTO audit_log (occurred_at, actor_id, action, object_type, object_id, details)
    VALUES (now(), %s, %s, %s, %s, %s)
"""

TABLE_COLUMNS = """
    SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull
      FROM pg_attribute AS a
     WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped
"""
