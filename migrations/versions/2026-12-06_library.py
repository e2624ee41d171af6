"""library: legal texts, their files and revisions, and their links to the directory

`library_documents` holds each document's current metadata (kind, title, State, language,
version date, source URL, summary, tags), the file of its current version and a
`search_vector` the service writes (`simple` configuration: title weight A, summary and tags
weight B). `library_files` keeps every uploaded file (typed by content, SHA-256), never
overwritten; `library_revisions` one row per version with the metadata and links then and the
file it pointed to. `library_authority_links`, `library_sheet_links` and
`library_treaty_links` tie documents to the directory's authorities, requirement sheets and
treaties (cascading when those go).

Revision ID: 0016_library
Revises: 0015_catalogue
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016_library"
down_revision: str | None = "0015_catalogue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KINDS = (
    "'national_law', 'bilateral_treaty', 'multilateral_treaty', 'model_law', 'model_treaty', "
    "'manual', 'form'"
)


def upgrade() -> None:
    op.create_table(
        "library_documents",
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
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("state_code", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("version_date", sa.Date(), nullable=True),
        sa.Column("source_url", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=True),
        sa.Column("summary", sa.Text(), server_default="", nullable=False),
        sa.Column("tags", postgresql.ARRAY(sa.String()), server_default="{}", nullable=False),
        sa.Column("file_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("search_vector", postgresql.TSVECTOR(), nullable=True),
        sa.CheckConstraint(
            "kind <> 'national_law' OR state_code IS NOT NULL",
            name=op.f("ck_library_documents_law_state"),
        ),
        sa.CheckConstraint(f"kind IN ({_KINDS})", name=op.f("ck_library_documents_kind")),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_library_documents_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["state_code"], ["states.code"], name=op.f("fk_library_documents_state_code_states")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users.id"],
            name=op.f("fk_library_documents_updated_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_library_documents")),
    )
    op.create_index(
        op.f("ix_library_documents_language"), "library_documents", ["language"], unique=False
    )
    op.create_index(
        "ix_library_documents_search",
        "library_documents",
        ["search_vector"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_index(
        op.f("ix_library_documents_state_code"), "library_documents", ["state_code"], unique=False
    )
    op.create_index(
        "ix_library_documents_tags",
        "library_documents",
        ["tags"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_index(
        "ix_library_documents_updated",
        "library_documents",
        [sa.literal_column("updated_at DESC"), sa.literal_column("id DESC")],
        unique=False,
    )
    op.create_table(
        "library_files",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("storage_key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("uploaded_by", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["library_documents.id"],
            name=op.f("fk_library_files_document_id_library_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"],
            ["users.id"],
            name=op.f("fk_library_files_uploaded_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_library_files")),
    )
    op.create_index(
        op.f("ix_library_files_document_id"), "library_files", ["document_id"], unique=False
    )
    # Documents and files reference each other: this key comes once both tables exist.
    op.create_foreign_key(
        op.f("fk_library_documents_file_id_library_files"),
        "library_documents",
        "library_files",
        ["file_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_table(
        "library_authority_links",
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("authority_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["authority_id"],
            ["authorities.id"],
            name=op.f("fk_library_authority_links_authority_id_authorities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["library_documents.id"],
            name=op.f("fk_library_authority_links_document_id_library_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "document_id", "authority_id", name=op.f("pk_library_authority_links")
        ),
    )
    op.create_index(
        op.f("ix_library_authority_links_authority_id"),
        "library_authority_links",
        ["authority_id"],
        unique=False,
    )
    op.create_table(
        "library_sheet_links",
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("sheet_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["library_documents.id"],
            name=op.f("fk_library_sheet_links_document_id_library_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sheet_id"],
            ["requirement_sheets.id"],
            name=op.f("fk_library_sheet_links_sheet_id_requirement_sheets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", "sheet_id", name=op.f("pk_library_sheet_links")),
    )
    op.create_index(
        op.f("ix_library_sheet_links_sheet_id"), "library_sheet_links", ["sheet_id"], unique=False
    )
    op.create_table(
        "library_treaty_links",
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("treaty_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["library_documents.id"],
            name=op.f("fk_library_treaty_links_document_id_library_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["treaty_id"],
            ["treaties.id"],
            name=op.f("fk_library_treaty_links_treaty_id_treaties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", "treaty_id", name=op.f("pk_library_treaty_links")),
    )
    op.create_index(
        op.f("ix_library_treaty_links_treaty_id"),
        "library_treaty_links",
        ["treaty_id"],
        unique=False,
    )
    op.create_table(
        "library_revisions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("actor_user_id", sa.Uuid(), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("snapshot", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "changes",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("file_id", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["actor_user_id"],
            ["users.id"],
            name=op.f("fk_library_revisions_actor_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["library_documents.id"],
            name=op.f("fk_library_revisions_document_id_library_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["library_files.id"],
            name=op.f("fk_library_revisions_file_id_library_files"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_library_revisions")),
        sa.UniqueConstraint("document_id", "version", name="uq_library_revisions_version"),
    )


def downgrade() -> None:
    op.drop_table("library_revisions")
    op.drop_index(op.f("ix_library_treaty_links_treaty_id"), table_name="library_treaty_links")
    op.drop_table("library_treaty_links")
    op.drop_index(op.f("ix_library_sheet_links_sheet_id"), table_name="library_sheet_links")
    op.drop_table("library_sheet_links")
    op.drop_index(
        op.f("ix_library_authority_links_authority_id"), table_name="library_authority_links"
    )
    op.drop_table("library_authority_links")
    op.drop_constraint(
        op.f("fk_library_documents_file_id_library_files"), "library_documents", type_="foreignkey"
    )
    op.drop_index(op.f("ix_library_files_document_id"), table_name="library_files")
    op.drop_table("library_files")
    op.drop_index("ix_library_documents_updated", table_name="library_documents")
    op.drop_index(
        "ix_library_documents_tags", table_name="library_documents", postgresql_using="gin"
    )
    op.drop_index(op.f("ix_library_documents_state_code"), table_name="library_documents")
    op.drop_index(
        "ix_library_documents_search", table_name="library_documents", postgresql_using="gin"
    )
    op.drop_index(op.f("ix_library_documents_language"), table_name="library_documents")
    op.drop_table("library_documents")
