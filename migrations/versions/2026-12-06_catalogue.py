"""catalogue: entries, their link to a case, and the forum where they are discussed

`catalogue_entries` holds what the catalogue shows (structured fields, the texts, the
personal-data check's flags, consent and review) and a `search_vector` the service writes
(`simple` configuration, title weight A, texts weight B). `catalogue_case_links` ties an entry
to the case it was nominated from and is never serialised; one live nomination per case.
`catalogue_discussion` names the forum where published entries get their thread.

Revision ID: 0015_catalogue
Revises: 0014_service_accounts
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015_catalogue"
down_revision: str | None = "0014_service_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "catalogue_discussion",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("forum_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint("id = 1", name=op.f("ck_catalogue_discussion_single_row")),
        sa.ForeignKeyConstraint(
            ["forum_id"],
            ["forums.id"],
            name=op.f("fk_catalogue_discussion_forum_id_forums"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_discussion")),
    )
    op.create_table(
        "catalogue_entries",
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
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("summary", sa.Text(), server_default="", nullable=False),
        sa.Column("cooperation_type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("measures", postgresql.ARRAY(sa.String()), server_default="{}", nullable=False),
        sa.Column(
            "crime_types", postgresql.ARRAY(sa.String()), server_default="{}", nullable=False
        ),
        sa.Column("legal_basis", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
        sa.Column("disclosure", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("requesting_state", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
        sa.Column("requested_state", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
        sa.Column("requesting_region", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("requested_region", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("weeks_to_acknowledge", sa.Integer(), nullable=True),
        sa.Column("weeks_to_execute", sa.Integer(), nullable=True),
        sa.Column("obstacles", sa.Text(), server_default="", nullable=False),
        sa.Column("solutions", sa.Text(), server_default="", nullable=False),
        sa.Column("lessons", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "flags", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False
        ),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("author_authority_id", sa.Uuid(), nullable=True),
        sa.Column("consent_authority_id", sa.Uuid(), nullable=True),
        sa.Column("consent_by", sa.Uuid(), nullable=True),
        sa.Column("consented_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("declined_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("reviewed_by", sa.Uuid(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_note", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("withdrawn_by", sa.Uuid(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawal_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("discussion_thread_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("search_vector", postgresql.TSVECTOR(), nullable=True),
        sa.CheckConstraint(
            "disclosure IN ('states', 'regions')", name=op.f("ck_catalogue_entries_disclosure")
        ),
        sa.CheckConstraint("kind IN ('case', 'practice')", name=op.f("ck_catalogue_entries_kind")),
        sa.ForeignKeyConstraint(
            ["author_authority_id"],
            ["authorities.id"],
            name=op.f("fk_catalogue_entries_author_authority_id_authorities"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_catalogue_entries_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["consent_authority_id"],
            ["authorities.id"],
            name=op.f("fk_catalogue_entries_consent_authority_id_authorities"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["consent_by"],
            ["users.id"],
            name=op.f("fk_catalogue_entries_consent_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["discussion_thread_id"],
            ["forum_threads.id"],
            name=op.f("fk_catalogue_entries_discussion_thread_id_forum_threads"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by"],
            ["users.id"],
            name=op.f("fk_catalogue_entries_reviewed_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by"],
            ["users.id"],
            name=op.f("fk_catalogue_entries_withdrawn_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_entries")),
    )
    op.create_index(
        "ix_catalogue_entries_measures",
        "catalogue_entries",
        ["measures"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_index(
        "ix_catalogue_entries_published",
        "catalogue_entries",
        [sa.literal_column("published_at DESC"), sa.literal_column("id DESC")],
        unique=False,
        postgresql_where=sa.text("status = 'published'"),
    )
    op.create_index(
        "ix_catalogue_entries_search",
        "catalogue_entries",
        ["search_vector"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_index("ix_catalogue_entries_status", "catalogue_entries", ["status"], unique=False)
    op.create_table(
        "catalogue_case_links",
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("requesting_authority_id", sa.Uuid(), nullable=False),
        sa.Column("requested_authority_id", sa.Uuid(), nullable=False),
        sa.Column("live", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_catalogue_case_links_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["catalogue_entries.id"],
            name=op.f("fk_catalogue_case_links_entry_id_catalogue_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_authority_id"],
            ["authorities.id"],
            name=op.f("fk_catalogue_case_links_requested_authority_id_authorities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requesting_authority_id"],
            ["authorities.id"],
            name=op.f("fk_catalogue_case_links_requesting_authority_id_authorities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_catalogue_case_links")),
    )
    op.create_index(
        "uq_catalogue_case_links_live_case",
        "catalogue_case_links",
        ["case_id"],
        unique=True,
        postgresql_where=sa.text("live"),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_catalogue_case_links_live_case",
        table_name="catalogue_case_links",
        postgresql_where=sa.text("live"),
    )
    op.drop_table("catalogue_case_links")
    op.drop_index("ix_catalogue_entries_status", table_name="catalogue_entries")
    op.drop_index(
        "ix_catalogue_entries_search", table_name="catalogue_entries", postgresql_using="gin"
    )
    op.drop_index(
        "ix_catalogue_entries_published",
        table_name="catalogue_entries",
        postgresql_where=sa.text("status = 'published'"),
    )
    op.drop_index(
        "ix_catalogue_entries_measures", table_name="catalogue_entries", postgresql_using="gin"
    )
    op.drop_table("catalogue_entries")
    op.drop_table("catalogue_discussion")
