#!/bin/sh
# The two database roles of docs/audit.md, made by the official postgres image on its first
# start (an empty data volume), as the superuser:
#   canet_owner  owns the database and its tables; runs `canet db upgrade` and then
#                app-role-grants.sql (the `migrate` and `migrate-grants` services)
#   canet_app    what the server connects as: reads and writes rows, owns nothing, and may
#                only read and append the audit log
# The passwords come from the environment (DB_OWNER_PASSWORD, DB_APP_PASSWORD in .env);
# psql passes them as quoted literals (:'var'), so any character is safe.
set -e

: "${DB_OWNER_PASSWORD:?set DB_OWNER_PASSWORD}"
: "${DB_APP_PASSWORD:?set DB_APP_PASSWORD}"

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname postgres \
    -v owner_password="$DB_OWNER_PASSWORD" -v app_password="$DB_APP_PASSWORD" <<'SQL'
CREATE ROLE canet_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE canet_app LOGIN PASSWORD :'app_password';
CREATE DATABASE canet OWNER canet_owner;
REVOKE ALL ON DATABASE canet FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE canet TO canet_app;
\connect canet
-- PostgreSQL 15 and later already keep PUBLIC from creating objects in the public schema.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
