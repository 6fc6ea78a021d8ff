"""The SQL that sets up the embedded PostgreSQL's roles, as named templates."""

# Formatted only with the fixed role and database names of paths.py, never with input.

# Created once, idempotently (two starts at once may race: the loser finds the role there). Passwords are not
# needed: the server listens only on a 0700 unix socket with trust authentication.
CREATE_ROLES = """
DO $$
BEGIN
    BEGIN
        CREATE ROLE {owner} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
    BEGIN
        CREATE ROLE {app} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
END
$$;
ALTER DATABASE {database} OWNER TO {owner};
"""

# Tables, functions and schemas made as the superuser (before the roles existed, or by a `manage.py` run
# without DATABASE_URL) pass to the owner, so that it can migrate and retire them. Sequences and indexes
# follow their tables.
OWNER_TAKES_OVER = r"""
DO $$
DECLARE
    item record;
BEGIN
    FOR item IN
        SELECT format('%I.%I', n.nspname, c.relname) AS name
          FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
         WHERE c.relowner = '{superuser}'::regrole AND c.relkind IN ('r', 'p')
           AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
    LOOP
        EXECUTE 'ALTER TABLE ' || item.name || ' OWNER TO {owner}';
    END LOOP;
    FOR item IN
        SELECT p.oid::regprocedure::text AS name
          FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace
         WHERE p.proowner = '{superuser}'::regrole
           AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
    LOOP
        EXECUTE 'ALTER FUNCTION ' || item.name || ' OWNER TO {owner}';
    END LOOP;
    FOR item IN
        SELECT format('%I', nspname) AS name
          FROM pg_namespace
         WHERE nspowner = '{superuser}'::regrole
           AND nspname NOT IN ('pg_catalog', 'information_schema', 'public') AND nspname NOT LIKE 'pg\_%'
    LOOP
        EXECUTE 'ALTER SCHEMA ' || item.name || ' OWNER TO {owner}';
    END LOOP;
END
$$;
"""
