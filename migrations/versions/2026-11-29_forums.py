"""forums: groups, forums, threads, posts, revisions, follows, read state, flags, settings

Revision ID: 0006_forums
Revises: 0002_core
Create Date: 2026-11-29 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006_forums"
down_revision: str | None = "0002_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "forum_groups",
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "description", sqlmodel.sql.sqltypes.AutoString(), server_default="", nullable=False
        ),
        sa.Column("region", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_forum_groups_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forum_groups")),
        sa.UniqueConstraint("name", name=op.f("uq_forum_groups_name")),
    )
    op.create_table(
        "forum_user_settings",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("auto_follow", sa.Boolean(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_forum_user_settings_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_forum_user_settings")),
    )
    op.create_table(
        "forum_group_members",
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("added_by", sa.Uuid(), nullable=True),
        sa.Column(
            "added_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["added_by"],
            ["users.id"],
            name=op.f("fk_forum_group_members_added_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["forum_groups.id"],
            name=op.f("fk_forum_group_members_group_id_forum_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_forum_group_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "user_id", name=op.f("pk_forum_group_members")),
    )
    op.create_index(
        op.f("ix_forum_group_members_user_id"), "forum_group_members", ["user_id"], unique=False
    )
    op.create_table(
        "forums",
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column(
            "description", sqlmodel.sql.sqltypes.AutoString(), server_default="", nullable=False
        ),
        sa.Column("audience_kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=True),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "(audience_kind = 'group') = (group_id IS NOT NULL)",
            name=op.f("ck_forums_group_audience"),
        ),
        sa.CheckConstraint(
            "audience_kind IN ('network', 'group', 'moderators')",
            name=op.f("ck_forums_audience_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_forums_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["forum_groups.id"],
            name=op.f("fk_forums_group_id_forum_groups"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forums")),
    )
    op.create_index(op.f("ix_forums_group_id"), "forums", ["group_id"], unique=False)
    op.create_table(
        "forum_forum_follows",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("forum_id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["forum_id"],
            ["forums.id"],
            name=op.f("fk_forum_forum_follows_forum_id_forums"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_forum_forum_follows_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "forum_id", name=op.f("pk_forum_forum_follows")),
    )
    op.create_index(
        op.f("ix_forum_forum_follows_forum_id"), "forum_forum_follows", ["forum_id"], unique=False
    )
    op.create_table(
        "forum_threads",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("forum_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column(
            "tags", postgresql.ARRAY(sa.String(length=40)), server_default="{}", nullable=False
        ),
        sa.Column("pinned", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("locked", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("post_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_post_seq", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "last_activity_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_forum_threads_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["forum_id"],
            ["forums.id"],
            name=op.f("fk_forum_threads_forum_id_forums"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forum_threads")),
    )
    op.create_index(
        op.f("ix_forum_threads_author_id"), "forum_threads", ["author_id"], unique=False
    )
    op.create_index(
        "ix_forum_threads_forum_listing",
        "forum_threads",
        [
            "forum_id",
            sa.literal_column("pinned DESC"),
            sa.literal_column("last_activity_at DESC"),
            sa.literal_column("id DESC"),
        ],
        unique=False,
    )
    op.create_index(
        "ix_forum_threads_tags", "forum_threads", ["tags"], unique=False, postgresql_using="gin"
    )
    op.create_table(
        "forum_posts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("thread_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("reply_to_post_id", sa.Uuid(), nullable=True),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("body_html", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("search_vector", postgresql.TSVECTOR(), nullable=False),
        sa.Column(
            "mentioned_user_ids", postgresql.ARRAY(sa.Uuid()), server_default="{}", nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("edited_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden_by", sa.Uuid(), nullable=True),
        sa.Column("hidden_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_forum_posts_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["edited_by"],
            ["users.id"],
            name=op.f("fk_forum_posts_edited_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["hidden_by"],
            ["users.id"],
            name=op.f("fk_forum_posts_hidden_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reply_to_post_id"],
            ["forum_posts.id"],
            name=op.f("fk_forum_posts_reply_to_post_id_forum_posts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["forum_threads.id"],
            name=op.f("fk_forum_posts_thread_id_forum_threads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forum_posts")),
        sa.UniqueConstraint("seq", name=op.f("uq_forum_posts_seq")),
    )
    op.create_index(op.f("ix_forum_posts_author_id"), "forum_posts", ["author_id"], unique=False)
    op.create_index(op.f("ix_forum_posts_created_at"), "forum_posts", ["created_at"], unique=False)
    op.create_index(
        "ix_forum_posts_search",
        "forum_posts",
        ["search_vector"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_index("ix_forum_posts_thread_seq", "forum_posts", ["thread_id", "seq"], unique=False)
    op.create_table(
        "forum_thread_follows",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("thread_id", sa.Uuid(), nullable=False),
        sa.Column("following", sa.Boolean(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["forum_threads.id"],
            name=op.f("fk_forum_thread_follows_thread_id_forum_threads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_forum_thread_follows_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "thread_id", name=op.f("pk_forum_thread_follows")),
    )
    op.create_index(
        op.f("ix_forum_thread_follows_thread_id"),
        "forum_thread_follows",
        ["thread_id"],
        unique=False,
    )
    op.create_table(
        "forum_thread_reads",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("thread_id", sa.Uuid(), nullable=False),
        sa.Column("last_read_seq", sa.BigInteger(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["forum_threads.id"],
            name=op.f("fk_forum_thread_reads_thread_id_forum_threads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_forum_thread_reads_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "thread_id", name=op.f("pk_forum_thread_reads")),
    )
    op.create_table(
        "forum_post_flags",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("reporter_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.Uuid(), nullable=True),
        sa.Column("resolution_note", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["forum_posts.id"],
            name=op.f("fk_forum_post_flags_post_id_forum_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["users.id"],
            name=op.f("fk_forum_post_flags_reporter_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by"],
            ["users.id"],
            name=op.f("fk_forum_post_flags_resolved_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forum_post_flags")),
    )
    op.create_index(
        "ix_forum_post_flags_status_created",
        "forum_post_flags",
        ["status", "created_at"],
        unique=False,
    )
    op.create_index(
        "uq_forum_post_flags_open",
        "forum_post_flags",
        ["post_id", "reporter_id"],
        unique=True,
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_table(
        "forum_post_revisions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("written_by", sa.Uuid(), nullable=True),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "replaced_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["forum_posts.id"],
            name=op.f("fk_forum_post_revisions_post_id_forum_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["written_by"],
            ["users.id"],
            name=op.f("fk_forum_post_revisions_written_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forum_post_revisions")),
        sa.UniqueConstraint(
            "post_id", "version", name=op.f("uq_forum_post_revisions_post_id_version")
        ),
    )


def downgrade() -> None:
    op.drop_table("forum_post_revisions")
    op.drop_index(
        "uq_forum_post_flags_open",
        table_name="forum_post_flags",
        postgresql_where=sa.text("status = 'open'"),
    )
    op.drop_index("ix_forum_post_flags_status_created", table_name="forum_post_flags")
    op.drop_table("forum_post_flags")
    op.drop_table("forum_thread_reads")
    op.drop_index(op.f("ix_forum_thread_follows_thread_id"), table_name="forum_thread_follows")
    op.drop_table("forum_thread_follows")
    op.drop_index("ix_forum_posts_thread_seq", table_name="forum_posts")
    op.drop_index("ix_forum_posts_search", table_name="forum_posts", postgresql_using="gin")
    op.drop_index(op.f("ix_forum_posts_created_at"), table_name="forum_posts")
    op.drop_index(op.f("ix_forum_posts_author_id"), table_name="forum_posts")
    op.drop_table("forum_posts")
    op.drop_index("ix_forum_threads_tags", table_name="forum_threads", postgresql_using="gin")
    op.drop_index("ix_forum_threads_forum_listing", table_name="forum_threads")
    op.drop_index(op.f("ix_forum_threads_author_id"), table_name="forum_threads")
    op.drop_table("forum_threads")
    op.drop_index(op.f("ix_forum_forum_follows_forum_id"), table_name="forum_forum_follows")
    op.drop_table("forum_forum_follows")
    op.drop_index(op.f("ix_forums_group_id"), table_name="forums")
    op.drop_table("forums")
    op.drop_index(op.f("ix_forum_group_members_user_id"), table_name="forum_group_members")
    op.drop_table("forum_group_members")
    op.drop_table("forum_user_settings")
    op.drop_table("forum_groups")
