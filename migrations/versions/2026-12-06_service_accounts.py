"""identity: service accounts, their public keys and the assertions already used

A service account is a `users` row of kind `service` (its principal: what it writes names it
like a member) plus a `service_accounts` row (authority, scopes, status, allow-list, who
proposed and decided it). Its sessions, one per access token, record the key that signed in
and the scopes granted. `used_assertions` remembers each accepted `jti` until it expires.

Revision ID: 0014_service_accounts
Revises: 0013_search_rendered
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014_service_accounts"
down_revision: str | None = "0013_search_rendered"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _user_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"), ondelete="SET NULL"
    )


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column(
            "kind",
            sqlmodel.sql.sqltypes.AutoString(length=16),
            server_default="member",
            nullable=False,
        ),
    )
    op.create_table(
        "service_accounts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("authority_id", sa.Uuid(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("scopes", postgresql.ARRAY(sa.String()), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column(
            "ip_allowlist", postgresql.ARRAY(postgresql.CIDR()), server_default="{}", nullable=False
        ),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("approved_by", sa.Uuid(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejected_by", sa.Uuid(), nullable=True),
        sa.Column("rejected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("revoked_by", sa.Uuid(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revocation_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["id"], ["users.id"], name=op.f("fk_service_accounts_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["authority_id"],
            ["authorities.id"],
            name=op.f("fk_service_accounts_authority_id_authorities"),
            ondelete="CASCADE",
        ),
        _user_fk("service_accounts", "created_by"),
        _user_fk("service_accounts", "approved_by"),
        _user_fk("service_accounts", "rejected_by"),
        _user_fk("service_accounts", "revoked_by"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_accounts")),
    )
    op.create_index(
        op.f("ix_service_accounts_authority_id"), "service_accounts", ["authority_id"], unique=False
    )
    op.create_index(
        "ix_service_accounts_created_at_id", "service_accounts", ["created_at", "id"], unique=False
    )
    op.create_index(
        "uq_service_accounts_authority_live_name",
        "service_accounts",
        ["authority_id", sa.text("lower(name)")],
        unique=True,
        postgresql_where=sa.text("status IN ('pending', 'active')"),
    )
    op.create_table(
        "service_account_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("service_account_id", sa.Uuid(), nullable=False),
        sa.Column("kid", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("alg", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("public_key_pem", sa.Text(), nullable=False),
        sa.Column("thumbprint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("revoked_by", sa.Uuid(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_account_id"],
            ["service_accounts.id"],
            name=op.f("fk_service_account_keys_service_account_id_service_accounts"),
            ondelete="CASCADE",
        ),
        _user_fk("service_account_keys", "created_by"),
        _user_fk("service_account_keys", "revoked_by"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_account_keys")),
        sa.UniqueConstraint(
            "service_account_id", "kid", name=op.f("uq_service_account_keys_service_account_id_kid")
        ),
        sa.UniqueConstraint(
            "service_account_id",
            "thumbprint",
            name=op.f("uq_service_account_keys_service_account_id_thumbprint"),
        ),
    )
    op.create_index(
        op.f("ix_service_account_keys_service_account_id"),
        "service_account_keys",
        ["service_account_id"],
        unique=False,
    )
    op.create_table(
        "used_assertions",
        sa.Column("service_account_id", sa.Uuid(), nullable=False),
        sa.Column("jti", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_account_id"],
            ["service_accounts.id"],
            name=op.f("fk_used_assertions_service_account_id_service_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("service_account_id", "jti", name=op.f("pk_used_assertions")),
    )
    op.create_index(
        op.f("ix_used_assertions_expires_at"), "used_assertions", ["expires_at"], unique=False
    )
    op.add_column("user_sessions", sa.Column("service_key_id", sa.Uuid(), nullable=True))
    op.add_column(
        "user_sessions", sa.Column("scopes", postgresql.ARRAY(sa.String()), nullable=True)
    )
    op.create_index(
        op.f("ix_user_sessions_service_key_id"), "user_sessions", ["service_key_id"], unique=False
    )
    op.create_foreign_key(
        op.f("fk_user_sessions_service_key_id_service_account_keys"),
        "user_sessions",
        "service_account_keys",
        ["service_key_id"],
        ["id"],
        ondelete="CASCADE",
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("fk_user_sessions_service_key_id_service_account_keys"),
        "user_sessions",
        type_="foreignkey",
    )
    op.drop_index(op.f("ix_user_sessions_service_key_id"), table_name="user_sessions")
    op.drop_column("user_sessions", "scopes")
    op.drop_column("user_sessions", "service_key_id")
    op.drop_index(op.f("ix_used_assertions_expires_at"), table_name="used_assertions")
    op.drop_table("used_assertions")
    op.drop_index(
        op.f("ix_service_account_keys_service_account_id"), table_name="service_account_keys"
    )
    op.drop_table("service_account_keys")
    op.drop_index("uq_service_accounts_authority_live_name", table_name="service_accounts")
    op.drop_index("ix_service_accounts_created_at_id", table_name="service_accounts")
    op.drop_index(op.f("ix_service_accounts_authority_id"), table_name="service_accounts")
    op.drop_table("service_accounts")
    # The members' rows of service accounts go with them: they were never members.
    op.execute("DELETE FROM users WHERE kind = 'service'")
    op.drop_column("users", "kind")
