"""Library tables: legal texts (national laws, treaties, model tools, manuals, forms), their
uploaded files, every revision of each, and their links to the directory's authorities,
requirement sheets and treaties.

A document is public within the network: no row here is secret, and files are stored as
they were uploaded (not encrypted per case). A revision keeps the document's metadata and
the file it pointed to at that version; files are never overwritten (a new upload is a new
row), so an old revision's file stays downloadable.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlmodel import Field, SQLModel

from app.models.base import Timestamps, UUIDPrimaryKey, utcnow

DOCUMENT_KINDS = (
    "national_law",
    "bilateral_treaty",
    "multilateral_treaty",
    "model_law",
    "model_treaty",
    "manual",
    "form",
)
_KINDS_SQL = ", ".join(f"'{kind}'" for kind in DOCUMENT_KINDS)


class LibraryDocument(UUIDPrimaryKey, Timestamps, table=True):
    __tablename__ = "library_documents"
    __table_args__ = (
        sa.CheckConstraint(f"kind IN ({_KINDS_SQL})", name="kind"),
        # A national law belongs to a State.
        sa.CheckConstraint("kind <> 'national_law' OR state_code IS NOT NULL", name="law_state"),
        # The library's listing, most recently changed first.
        sa.Index("ix_library_documents_updated", sa.text("updated_at DESC"), sa.text("id DESC")),
        sa.Index("ix_library_documents_tags", "tags", postgresql_using="gin"),
    )

    kind: str = Field(max_length=32)
    title: str = Field(max_length=300)
    # ISO 3166-1 alpha-3: the State of a national law; optional for the other kinds.
    state_code: str | None = Field(
        default=None, foreign_key="states.code", max_length=3, index=True
    )
    language: str = Field(max_length=2, index=True)  # ISO 639-1
    version_date: date | None = None
    source_url: str | None = Field(default=None, max_length=2048)
    summary: str = Field(
        default="", sa_column=sa.Column(sa.Text(), nullable=False, server_default="")
    )
    tags: list[str] = Field(
        default_factory=list,
        sa_column=sa.Column(ARRAY(sa.String()), nullable=False, server_default="{}"),
    )
    # The file of the current version (None: only a source URL). use_alter: files reference
    # documents too; this breaks the cycle for table sorting.
    file_id: uuid.UUID | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.Uuid(),
            sa.ForeignKey("library_files.id", ondelete="SET NULL", use_alter=True),
            nullable=True,
        ),
    )
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    updated_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")


# Written by the service from the title (weight A), the summary and tags (weight B) with the
# `simple` configuration, as forum posts and catalogue entries are. Kept out of the mapper:
# only search queries read it.
DOCUMENT_SEARCH_VECTOR = sa.Column("search_vector", TSVECTOR(), nullable=True)
_documents_table = cast(sa.Table, LibraryDocument.__table__)  # type: ignore[attr-defined]
_documents_table.append_column(DOCUMENT_SEARCH_VECTOR)
sa.Index("ix_library_documents_search", DOCUMENT_SEARCH_VECTOR, postgresql_using="gin")


class LibraryFile(UUIDPrimaryKey, SQLModel, table=True):
    """One uploaded file of a document: typed by its content, with its SHA-256."""

    __tablename__ = "library_files"

    document_id: uuid.UUID = Field(
        foreign_key="library_documents.id", index=True, ondelete="CASCADE"
    )
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=255)
    size: int = Field(sa_type=sa.BigInteger)
    sha256: str = Field(max_length=64)
    # "<document id>/<file id>" in the library's storage (a directory or an S3 prefix).
    storage_key: str = Field(max_length=100)
    uploaded_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"server_default": sa.func.now(), "nullable": False},
    )


class LibraryRevision(SQLModel, table=True):
    """One version of a document: its metadata and links then, the file it pointed to, who
    made it and what changed from the version before."""

    __tablename__ = "library_revisions"
    __table_args__ = (
        sa.UniqueConstraint("document_id", "version", name="uq_library_revisions_version"),
    )

    id: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger, sa.Identity(), primary_key=True)
    )
    document_id: uuid.UUID = Field(foreign_key="library_documents.id", ondelete="CASCADE")
    version: int
    action: str = Field(max_length=16)  # created | updated | file
    actor_user_id: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
    note: str | None = Field(default=None, max_length=500)
    snapshot: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(JSONB(), nullable=False)
    )
    changes: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(JSONB(), nullable=False, server_default="{}")
    )
    file_id: uuid.UUID | None = Field(
        default=None, foreign_key="library_files.id", ondelete="SET NULL"
    )
    created_at: datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"server_default": sa.func.now(), "nullable": False},
    )


class LibraryAuthorityLink(SQLModel, table=True):
    """A national law that concerns a directory authority (shown on its page)."""

    __tablename__ = "library_authority_links"

    document_id: uuid.UUID = Field(
        foreign_key="library_documents.id", primary_key=True, ondelete="CASCADE"
    )
    authority_id: uuid.UUID = Field(
        foreign_key="authorities.id", primary_key=True, index=True, ondelete="CASCADE"
    )


class LibrarySheetLink(SQLModel, table=True):
    """A national law that a requirement sheet rests on (shown with the sheet)."""

    __tablename__ = "library_sheet_links"

    document_id: uuid.UUID = Field(
        foreign_key="library_documents.id", primary_key=True, ondelete="CASCADE"
    )
    sheet_id: uuid.UUID = Field(
        foreign_key="requirement_sheets.id", primary_key=True, index=True, ondelete="CASCADE"
    )


class LibraryTreatyLink(SQLModel, table=True):
    """The text of one of the directory's treaties."""

    __tablename__ = "library_treaty_links"

    document_id: uuid.UUID = Field(
        foreign_key="library_documents.id", primary_key=True, ondelete="CASCADE"
    )
    treaty_id: uuid.UUID = Field(
        foreign_key="treaties.id", primary_key=True, index=True, ondelete="CASCADE"
    )
