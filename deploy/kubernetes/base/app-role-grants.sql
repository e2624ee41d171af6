-- The application role's rights on canet's schema (docs/audit.md, "Production database
-- setup"). Run as the owner role (canet_owner) right after every `canet db upgrade`; running
-- it again changes nothing. Used by the Kubernetes migration Job and by deploy/compose.
--
-- canet_app reads and writes the application's tables but owns none of them, so it cannot
-- alter a table or disable the audit log's triggers.

GRANT USAGE ON SCHEMA public TO canet_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO canet_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO canet_app;

-- Tables and sequences that later migrations create (as canet_owner) get the same rights at
-- once, so pods of a new release never start on a table they cannot read while this file
-- has not run yet.
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO canet_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO canet_app;

-- The audit log: read and append only, never change or remove.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_entries, audit_chain, audit_checkpoints FROM canet_app;
GRANT SELECT, INSERT ON audit_entries, audit_chain, audit_checkpoints TO canet_app;

-- The schema version belongs to the migrations; the application only reads it (/readyz).
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM canet_app;
GRANT SELECT ON alembic_version TO canet_app;
