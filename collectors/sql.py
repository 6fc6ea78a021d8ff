"""Raw SQL of the collectors app."""

# One statement: the version check and the write cannot be separated by another writer. A NULL
# parameter keeps the column as it is. The self-join reads the row as it was before this update
# (the "old" side keeps the tuple the statement started from), so the audit can show before/after
# on every supported PostgreSQL, including those without RETURNING OLD.
COLLECTOR_UPDATE = """
    UPDATE collectors AS c
       SET site_name = COALESCE(%(site_name)s::varchar, c.site_name),
           config = COALESCE(%(config)s::jsonb, c.config),
           is_active = COALESCE(%(is_active)s::boolean, c.is_active),
           config_version = c.config_version + 1,
           updated_at = now()
      FROM collectors AS old
     WHERE c.id = %(id)s
       AND c.config_version = %(expected_version)s
       AND old.id = c.id
 RETURNING old.site_name, old.config, old.is_active, old.config_version,
           c.site_name, c.config, c.is_active, c.config_version, c.created_at, c.updated_at
"""

COLLECTOR_VERSION_FOR_UPDATE = """
    SELECT config_version FROM collectors WHERE id = %s FOR UPDATE
"""
