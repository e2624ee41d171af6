"""audit: transaction stamp, hash chain, signed checkpoints, append-only triggers

Revision ID: 0003_audit
Revises: 0002_core
Create Date: 2026-11-29 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003_audit"
down_revision: str | None = "0002_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUDIT_TABLES = ("audit_entries", "audit_chain", "audit_checkpoints")


def upgrade() -> None:
    op.add_column("audit_entries", sa.Column("xact_id", sa.BigInteger(), nullable=True))
    op.execute("UPDATE audit_entries SET xact_id = 0")
    op.alter_column("audit_entries", "xact_id", nullable=False)

    op.drop_index("ix_audit_entries_action", table_name="audit_entries")
    op.drop_index("ix_audit_entries_actor_user_id", table_name="audit_entries")
    op.create_index("ix_audit_entries_xact_id_id", "audit_entries", ["xact_id", "id"])
    op.create_index("ix_audit_entries_actor_user_id_id", "audit_entries", ["actor_user_id", "id"])
    op.create_index(
        "ix_audit_entries_action_prefix",
        "audit_entries",
        ["action"],
        postgresql_ops={"action": "varchar_pattern_ops"},
    )
    op.create_index("ix_audit_entries_target", "audit_entries", ["target_type", "target_id", "id"])
    op.create_index(
        "ix_audit_entries_authority_ids",
        "audit_entries",
        ["authority_ids"],
        postgresql_using="gin",
    )
    op.create_index(
        "ix_audit_entries_occurred_at",
        "audit_entries",
        ["occurred_at"],
        postgresql_using="brin",
    )

    op.create_table(
        "audit_chain",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column(
            "sealed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["audit_entries.id"],
            name=op.f("fk_audit_chain_entry_id_audit_entries"),
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_chain")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_audit_chain_entry_id")),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("signature", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoints")),
    )
    op.create_index(op.f("ix_audit_checkpoints_seq"), "audit_checkpoints", ["seq"], unique=False)

    # The writing transaction's id, whatever the client sent (see app/audit/sealing.py).
    # ENABLE ALWAYS: it must fire even under session_replication_role = replica.
    op.execute(
        """
        CREATE FUNCTION canet_audit_stamp_xact() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.xact_id := pg_current_xact_id()::text::bigint;
            RETURN NEW;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER audit_entries_stamp_xact BEFORE INSERT ON audit_entries "
        "FOR EACH ROW EXECUTE FUNCTION canet_audit_stamp_xact()"
    )
    op.execute("ALTER TABLE audit_entries ENABLE ALWAYS TRIGGER audit_entries_stamp_xact")

    # Append-only: statement-level, so even an UPDATE or DELETE matching no row is refused.
    # These fire in the default (origin) replication role only, which lets the test harness
    # truncate between tests with session_replication_role = replica (a superuser setting).
    op.execute(
        """
        CREATE FUNCTION canet_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'the audit log is append-only: % on % is not allowed',
                TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
        END $$
        """
    )
    for table in AUDIT_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION canet_audit_append_only()"
        )


def downgrade() -> None:
    for table in AUDIT_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    op.execute("DROP TRIGGER IF EXISTS audit_entries_stamp_xact ON audit_entries")
    op.execute("DROP FUNCTION IF EXISTS canet_audit_append_only()")
    op.execute("DROP FUNCTION IF EXISTS canet_audit_stamp_xact()")

    op.drop_index(op.f("ix_audit_checkpoints_seq"), table_name="audit_checkpoints")
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_chain")

    op.drop_index("ix_audit_entries_occurred_at", table_name="audit_entries")
    op.drop_index("ix_audit_entries_authority_ids", table_name="audit_entries")
    op.drop_index("ix_audit_entries_target", table_name="audit_entries")
    op.drop_index("ix_audit_entries_action_prefix", table_name="audit_entries")
    op.drop_index("ix_audit_entries_actor_user_id_id", table_name="audit_entries")
    op.drop_index("ix_audit_entries_xact_id_id", table_name="audit_entries")
    op.create_index(
        "ix_audit_entries_actor_user_id", "audit_entries", ["actor_user_id"], unique=False
    )
    op.create_index("ix_audit_entries_action", "audit_entries", ["action"], unique=False)
    op.drop_column("audit_entries", "xact_id")
