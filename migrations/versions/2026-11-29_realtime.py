"""realtime: commit-ordered event positions, retention marker, notifications

Revision ID: 0008_realtime
Revises: 0002_core
Create Date: 2026-11-29 01:50:00

Events get a `position` stamped after commit by `canet_sequence_events()`: it takes one
advisory lock (held until its own commit, so sequencer runs are strictly ordered), numbers
every committed row still without a position in id order, and NOTIFYs `canet_events` with
the highest position. Writers never wait for it: only sequencer runs are serialised, and
each run numbers everything that committed meanwhile.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008_realtime"
down_revision: str | None = "0002_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The sequencer's pg_advisory_xact_lock key is 7201001 (any fixed bigint unique in the system;
# the prune job uses 7201002, the digest job 7201003).

SEQUENCE_FUNCTION = """
CREATE OR REPLACE FUNCTION canet_sequence_events(
    batch integer DEFAULT 10000, OUT numbered integer, OUT last_position bigint
) LANGUAGE plpgsql AS $$
DECLARE
    pending record;
BEGIN
    numbered := 0;
    -- Held until this transaction has committed and become visible: the next run starts
    -- only then, so no reader can see a higher position before a lower one.
    PERFORM pg_advisory_xact_lock(7201001);
    -- A volatile function takes a fresh snapshot per statement: this sees every row
    -- committed before the lock was granted.
    FOR pending IN
        SELECT id FROM events WHERE position IS NULL ORDER BY id LIMIT batch
    LOOP
        last_position := nextval('event_positions');
        UPDATE events SET position = last_position WHERE id = pending.id;
        numbered := numbered + 1;
    END LOOP;
    IF last_position IS NOT NULL THEN
        -- Ids only: the 8000-byte payload limit can never matter.
        PERFORM pg_notify('canet_events', last_position::text);
    END IF;
END
$$;
"""


def upgrade() -> None:
    op.execute("CREATE SEQUENCE event_positions AS bigint")
    op.add_column("events", sa.Column("position", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE events SET position = p.position FROM (SELECT id, row_number() OVER "
        "(ORDER BY id) AS position FROM events) p WHERE events.id = p.id"
    )
    op.execute(
        "SELECT setval('event_positions', greatest((SELECT max(position) FROM events), 1), "
        "(SELECT max(position) FROM events) IS NOT NULL)"
    )
    op.create_index("ix_events_position", "events", ["position"], unique=True)
    op.create_index(
        "ix_events_unpositioned",
        "events",
        ["id"],
        unique=False,
        postgresql_where=sa.text("position IS NULL"),
    )
    op.create_index("ix_events_created_at", "events", ["created_at"], unique=False)
    op.execute(SEQUENCE_FUNCTION)

    op.create_table(
        "event_retention",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pruned_through", sa.BigInteger(), nullable=False),
        sa.Column("pruned_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_retention")),
    )
    op.create_table(
        "notification_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_progress")),
    )
    # Start from the current head: events from before notifications existed notify nobody.
    op.execute(
        "INSERT INTO notification_progress (id, position) "
        "SELECT 1, coalesce(max(position), 0) FROM events"
    )
    op.create_table(
        "notification_preferences",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "modes",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("last_digest_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_preferences_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_preferences")),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("event_position", sa.BigInteger(), nullable=False),
        sa.Column("subject_type", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("subject_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("delivery", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("digested_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notifications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint(
            "user_id",
            "event_position",
            "type",
            name=op.f("uq_notifications_user_id_event_position_type"),
        ),
    )
    op.create_index(
        "ix_notifications_user_id_created_at",
        "notifications",
        ["user_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_notifications_unread",
        "notifications",
        ["user_id"],
        unique=False,
        postgresql_where=sa.text("read_at IS NULL"),
    )
    op.create_index(
        "ix_notifications_unread_subject",
        "notifications",
        ["subject_id", "type"],
        unique=False,
        postgresql_where=sa.text("read_at IS NULL"),
    )
    op.create_index(
        "ix_notifications_digest_pending",
        "notifications",
        ["user_id"],
        unique=False,
        postgresql_where=sa.text("delivery = 'digest' AND digested_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_notifications_digest_pending", table_name="notifications")
    op.drop_index("ix_notifications_unread_subject", table_name="notifications")
    op.drop_index("ix_notifications_unread", table_name="notifications")
    op.drop_index("ix_notifications_user_id_created_at", table_name="notifications")
    op.drop_table("notifications")
    op.drop_table("notification_preferences")
    op.drop_table("notification_progress")
    op.drop_table("event_retention")
    op.execute("DROP FUNCTION IF EXISTS canet_sequence_events(integer)")
    op.drop_index("ix_events_created_at", table_name="events")
    op.drop_index("ix_events_unpositioned", table_name="events")
    op.drop_index("ix_events_position", table_name="events")
    op.drop_column("events", "position")
    op.execute("DROP SEQUENCE IF EXISTS event_positions")
