"""identity: announce changes to the rows that authenticate a request

Each worker keeps the member and session rows of the requests it has authenticated
(app/auth/actor_cache.py) and must hear when one changes: these triggers NOTIFY
`canet_actors` with the member's id when a column the actor query reads changes, or the row
is deleted. NOTIFY is sent at commit, and never for a transaction that rolls back. Nothing
is rewritten; a previous release ignores the notifications.

Revision ID: 0018_actor_changes
Revises: 0017_retention
Create Date: 2026-12-06 14:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018_actor_changes"
down_revision: str | None = "0017_retention"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Two functions because a row of users or service_accounts names the member by `id`, one
# of user_sessions by `user_id`; OLD is the row before an update, or the deleted row.
FUNCTIONS = """
CREATE OR REPLACE FUNCTION canet_member_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('canet_actors', OLD.id::text);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION canet_member_session_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('canet_actors', OLD.user_id::text);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION canet_members_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('canet_actors', '*');
    RETURN NULL;
END
$$;
"""

# Only the columns app/auth/dependencies.py reads: a sign-in stamping `last_login_at` or a
# refresh stamping `last_seen_at` says nothing, so those do not empty every worker's memory.
_USER_COLUMNS = (
    "status",
    "roles",
    "authority_id",
    "focal_point",
    "handle",
    "full_name",
    "vetting_expires_at",
    "kind",
)
_SESSION_COLUMNS = ("user_id", "revoked_at", "expires_at", "scopes", "kind", "cookie_hash")


def _distinct(columns: Sequence[str]) -> str:
    return " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)


# TRUNCATE fires no row trigger: "*" tells every worker to forget everything.
TRIGGERS = f"""
CREATE TRIGGER users_actor_changed
    AFTER UPDATE OF {", ".join(_USER_COLUMNS)} ON users
    FOR EACH ROW WHEN ({_distinct(_USER_COLUMNS)})
    EXECUTE FUNCTION canet_member_changed();

CREATE TRIGGER users_actor_deleted
    AFTER DELETE ON users FOR EACH ROW EXECUTE FUNCTION canet_member_changed();

CREATE TRIGGER user_sessions_actor_changed
    AFTER UPDATE OF {", ".join(_SESSION_COLUMNS)} ON user_sessions
    FOR EACH ROW WHEN ({_distinct(_SESSION_COLUMNS)})
    EXECUTE FUNCTION canet_member_session_changed();

CREATE TRIGGER user_sessions_actor_deleted
    AFTER DELETE ON user_sessions FOR EACH ROW EXECUTE FUNCTION canet_member_session_changed();

CREATE TRIGGER service_accounts_actor_changed
    AFTER UPDATE OR DELETE ON service_accounts
    FOR EACH ROW EXECUTE FUNCTION canet_member_changed();

CREATE TRIGGER users_truncated AFTER TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION canet_members_truncated();

CREATE TRIGGER user_sessions_truncated AFTER TRUNCATE ON user_sessions
    FOR EACH STATEMENT EXECUTE FUNCTION canet_members_truncated();

CREATE TRIGGER service_accounts_truncated AFTER TRUNCATE ON service_accounts
    FOR EACH STATEMENT EXECUTE FUNCTION canet_members_truncated();
"""


def _statements(script: str) -> list[str]:
    """One statement per execute: asyncpg prepares each, and a prepared statement is one."""
    return [s.strip() for s in script.split("\n\n") if s.strip()]


def upgrade() -> None:
    for statement in _statements(FUNCTIONS) + _statements(TRIGGERS):
        op.execute(statement)


def downgrade() -> None:
    for trigger, table in (
        ("users_actor_changed", "users"),
        ("users_actor_deleted", "users"),
        ("user_sessions_actor_changed", "user_sessions"),
        ("user_sessions_actor_deleted", "user_sessions"),
        ("service_accounts_actor_changed", "service_accounts"),
        ("users_truncated", "users"),
        ("user_sessions_truncated", "user_sessions"),
        ("service_accounts_truncated", "service_accounts"),
    ):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
    op.execute("DROP FUNCTION IF EXISTS canet_member_session_changed()")
    op.execute("DROP FUNCTION IF EXISTS canet_member_changed()")
    op.execute("DROP FUNCTION IF EXISTS canet_members_truncated()")
