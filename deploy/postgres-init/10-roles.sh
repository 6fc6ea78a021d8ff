#!/bin/sh
# First start of the compose stack's postgres container only (it runs /docker-entrypoint-initdb.d once, on an
# empty data volume, as the superuser): the two roles of README "Database roles". The owner owns the database
# and, through migrate, every table; the web's app role owns nothing and gets its grants from migrate.
set -eu
psql --no-psqlrc --set ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    --set owner_password="$DB_OWNER_PASSWORD" --set app_password="$DB_APP_PASSWORD" <<'SQL'
CREATE ROLE chaverim_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'owner_password';
CREATE ROLE chaverim_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'app_password';
ALTER DATABASE :"DBNAME" OWNER TO chaverim_owner;
-- On PostgreSQL 15+ `public` belongs to the database owner and nobody else may create in it; on 14, say so.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
