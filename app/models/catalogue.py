"""Catalogue tables: entries (from a closed case, or a good-practice note), the link of an
entry to its case, and where published entries are discussed.

The link to a case lives in its own table, which no API shape reads: an entry never carries
its case's id or reference, and its own id is random (uuid4). An entry keeps no time of its
case: weeks rounded, and the times of its own steps (nomination, publication).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlmodel import Field, SQLModel

from app.models.base import Timestamps, UUIDPrimaryKey, utcnow


def _text_array() -> sa.Column[Any]:
    return sa.Column(ARRAY(sa.String()), nullable=False, server_default="{}")


def _long_text() -> sa.Column[Any]:
    return sa.Column(sa.Text(), nullable=False, server_default="")


class CatalogueEntry(UUIDPrimaryKey, Timestamps, table=True):
    __tablename__ = "catalogue_entries"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('case', 'practice')", name="kind"),
        sa.CheckConstraint("disclosure IN ('states', 'regions')", name="disclosure"),
        # The published catalogue, newest first: the one listing every member reads.
        sa.Index(
            "ix_catalogue_entries_published",
            sa.text("published_at DESC"),
            sa.text("id DESC"),
            postgresql_where=sa.text("status = 'published'"),
        ),
        sa.Index("ix_catalogue_entries_status", "status"),
        sa.Index("ix_catalogue_entries_measures", "measures", postgresql_using="gin"),
    )

    kind: str = Field(max_length=16)  # case | practice
    # draft | awaiting_consent | declined | in_review | changes_requested | rejected |
    # published | withdrawn
    status: str = Field(default="draft", max_length=24)
    title: str = Field(max_length=200)
    summary: str = Field(default="", sa_column=_long_text())
    cooperation_type: str | None = Field(default=None, max_length=40)
    measures: list[str] = Field(default_factory=list, sa_column=_text_array())
    crime_types: list[str] = Field(default_factory=list, sa_column=_text_array())
    # convention | treaty | reciprocity | domestic_law
    legal_basis: str | None = Field(default=None, max_length=24)
    # states: both States are shown; regions: only their UN M49 regions.
    disclosure: str = Field(default="regions", max_length=16)
    requesting_state: str | None = Field(default=None, max_length=3)
    requested_state: str | None = Field(default=None, max_length=3)
    requesting_region: str | None = Field(default=None, max_length=80)
    requested_region: str | None = Field(default=None, max_length=80)
    outcome: str | None = Field(default=None, max_length=32)
    weeks_to_acknowledge: int | None = None
    weeks_to_execute: int | None = None
    obstacles: str = Field(default="", sa_column=_long_text())
    solutions: str = Field(default="", sa_column=_long_text())
    lessons: str = Field(default="", sa_column=_long_text())
    # The personal-data check's findings as last run: [{id, kind, field, match, spans,
    # justification}]. Names of the case's persons may be in it: only case insiders read it.
    flags: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=sa.Column(JSONB(), nullable=False, server_default="[]")
    )
    author_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    author_authority_id: uuid.UUID | None = Field(
        default=None, foreign_key="authorities.id", ondelete="SET NULL"
    )
    # A case entry: the other side's authority, whose focal point consents.
    consent_authority_id: uuid.UUID | None = Field(
        default=None, foreign_key="authorities.id", ondelete="SET NULL"
    )
    consent_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    consented_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    declined_reason: str | None = None
    reviewed_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    reviewed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    review_note: str | None = None
    withdrawn_by: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
    withdrawn_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    withdrawal_reason: str | None = None
    submitted_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    published_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    discussion_thread_id: uuid.UUID | None = Field(
        default=None, foreign_key="forum_threads.id", ondelete="SET NULL"
    )
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


# Written by the service from the title (weight A) and the texts (weight B) with the `simple`
# configuration, as forum posts are. Kept out of the mapper: only search queries read it.
ENTRY_SEARCH_VECTOR = sa.Column("search_vector", TSVECTOR(), nullable=True)
_entries_table = cast(sa.Table, CatalogueEntry.__table__)  # type: ignore[attr-defined]
_entries_table.append_column(ENTRY_SEARCH_VECTOR)
sa.Index("ix_catalogue_entries_search", ENTRY_SEARCH_VECTOR, postgresql_using="gin")


class CatalogueCaseLink(SQLModel, table=True):
    """Which case an entry was nominated from: read by the service only, never serialised."""

    __tablename__ = "catalogue_case_links"
    __table_args__ = (
        # One live nomination per case; a rejected, declined or withdrawn one frees it.
        sa.Index(
            "uq_catalogue_case_links_live_case",
            "case_id",
            unique=True,
            postgresql_where=sa.text("live"),
        ),
    )

    entry_id: uuid.UUID = Field(
        foreign_key="catalogue_entries.id", primary_key=True, ondelete="CASCADE"
    )
    case_id: uuid.UUID = Field(foreign_key="cases.id", ondelete="CASCADE")
    requesting_authority_id: uuid.UUID = Field(foreign_key="authorities.id", ondelete="CASCADE")
    requested_authority_id: uuid.UUID = Field(foreign_key="authorities.id", ondelete="CASCADE")
    live: bool = Field(default=True)
    created_at: datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"server_default": sa.func.now(), "nullable": False},
    )


class CatalogueDiscussion(SQLModel, table=True):
    """The forum where published entries are discussed (one row; made at first publication)."""

    __tablename__ = "catalogue_discussion"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)

    id: int = Field(default=1, primary_key=True, sa_column_kwargs={"autoincrement": False})
    forum_id: uuid.UUID | None = Field(default=None, foreign_key="forums.id", ondelete="SET NULL")
