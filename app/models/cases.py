"""Case-request channels: cases between two authorities, their timeline, messages and files."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

from app.models.base import Timestamps, UUIDPrimaryKey, utcnow


def _created_at() -> Any:
    return Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"server_default": sa.func.now(), "nullable": False},
    )


class Case(UUIDPrimaryKey, Timestamps, table=True):
    __tablename__ = "cases"
    __table_args__ = (
        sa.Index("ix_cases_requesting_status", "requesting_authority_id", "status"),
        sa.Index("ix_cases_requested_status", "requested_authority_id", "status"),
        sa.Index("ix_cases_due_date", "due_date"),
        sa.Index("ix_cases_last_activity_at", "last_activity_at"),
        sa.Index("ix_cases_submitted_at", "submitted_at"),
    )

    reference: str = Field(max_length=32, unique=True)
    type: str = Field(max_length=40)
    status: str = Field(max_length=32)
    requesting_authority_id: uuid.UUID = Field(foreign_key="authorities.id", ondelete="RESTRICT")
    requested_authority_id: uuid.UUID = Field(foreign_key="authorities.id", ondelete="RESTRICT")
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    title: str = Field(max_length=300)
    summary: str = Field(default="", sa_column=sa.Column(sa.Text(), nullable=False))
    # {"kind": "untoc_art16"|"untoc_art18"|"treaty"|"reciprocity"|"other", "treaty_id"?, "text"?}
    legal_basis: dict[str, Any] = Field(sa_column=sa.Column(JSONB(), nullable=False))
    offences: list[str] = Field(
        default_factory=list,
        sa_column=sa.Column(ARRAY(sa.String()), nullable=False, server_default="{}"),
    )
    measures: list[str] = Field(
        default_factory=list,
        sa_column=sa.Column(ARRAY(sa.String()), nullable=False, server_default="{}"),
    )
    # Structured and minimal: [{"role": "suspect"|"witness"|..., "name", "birth_date"?, ...}]
    persons: list[dict[str, Any]] = Field(
        default_factory=list,
        sa_column=sa.Column(JSONB(), nullable=False, server_default="[]"),
    )
    languages: list[str] = Field(
        default_factory=list,
        sa_column=sa.Column(ARRAY(sa.String()), nullable=False, server_default="{}"),
    )
    urgency: str = Field(default="normal", max_length=16)
    urgency_reason: str | None = None
    deadline: date | None = None
    deadline_reason: str | None = None
    # The requested side's own expected date (report_delay, postpone).
    expected_date: date | None = None
    # coalesce(expected_date, deadline): what "overdue" and the deadline sort compare.
    due_date: date | None = None
    # When the deadline monitor flagged the case overdue (cleared when a new date is set).
    overdue_since: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    # The due date whose nearness the deadline monitor announced; a different date re-arms it.
    deadline_near_for: date | None = None
    confidential: bool = Field(default=False)
    restricted: bool = Field(default=False)
    shared_for_consultation: bool = Field(default=False)
    requesting_reference: str | None = Field(default=None, max_length=100)
    requested_reference: str | None = Field(default=None, max_length=100)
    missing_essentials_reason: str | None = None
    refusal_ground: str | None = Field(default=None, max_length=64)
    refusal_ground_text: str | None = None
    # executed | partially_executed | refused | withdrawn: kept after the case is closed.
    outcome: str | None = Field(default=None, max_length=32)
    consultation_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    status_changed_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    last_activity_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    submitted_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    received_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    acknowledged_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    completed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    closed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    # A legal hold keeps every file of the case: no deletion, no retention purge (all four
    # set together, cleared together on release; docs/retention.md).
    legal_hold_reason: str | None = None
    legal_hold_side: str | None = Field(default=None, max_length=16)
    legal_hold_set_by: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
    legal_hold_set_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class CaseReferenceCounter(SQLModel, table=True):
    """The last number handed out per prefix and year (`MLA-2026-000123`)."""

    __tablename__ = "case_reference_counters"

    prefix: str = Field(primary_key=True, max_length=8)
    year: int = Field(primary_key=True)
    last_value: int = Field(default=0)


class CaseParticipant(UUIDPrimaryKey, SQLModel, table=True):
    """An assigned officer of either side, or an invited observer (for a limited time)."""

    __tablename__ = "case_participants"
    __table_args__ = (sa.UniqueConstraint("case_id", "user_id"),)

    case_id: uuid.UUID = Field(foreign_key="cases.id", ondelete="CASCADE")
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    role: str = Field(max_length=16)  # assigned | observer
    invited_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    note: str | None = None
    expires_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    created_at: datetime = _created_at()


class CaseTimelineEntry(UUIDPrimaryKey, SQLModel, table=True):
    """A status change, receipt, deadline notice or participation change, with who and when."""

    __tablename__ = "case_timeline_entries"
    __table_args__ = (sa.Index("ix_case_timeline_entries_case", "case_id", "created_at"),)

    case_id: uuid.UUID = Field(foreign_key="cases.id", ondelete="CASCADE")
    kind: str = Field(max_length=32)
    action: str | None = Field(default=None, max_length=32)
    from_status: str | None = Field(default=None, max_length=32)
    to_status: str | None = Field(default=None, max_length=32)
    actor_user_id: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
    actor_authority_id: uuid.UUID | None = Field(
        default=None, foreign_key="authorities.id", ondelete="SET NULL"
    )
    note: str | None = None
    data: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(JSONB(), nullable=False, server_default="{}")
    )
    created_at: datetime = _created_at()


class CaseMessage(UUIDPrimaryKey, SQLModel, table=True):
    __tablename__ = "case_messages"
    __table_args__ = (sa.Index("ix_case_messages_case", "case_id", "created_at", "id"),)

    case_id: uuid.UUID = Field(foreign_key="cases.id", ondelete="CASCADE")
    author_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    author_authority_id: uuid.UUID | None = Field(
        default=None, foreign_key="authorities.id", ondelete="SET NULL"
    )
    side: str = Field(max_length=16)  # requesting | requested | observer
    kind: str = Field(default="message", max_length=16)  # message | consultation
    body: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    body_html: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    handling_code: str | None = Field(default=None, max_length=2)
    handling_note: str | None = None
    created_at: datetime = _created_at()


class CaseAttachment(UUIDPrimaryKey, SQLModel, table=True):
    """Metadata of an encrypted file; the bytes live in the blob storage under storage_key.

    A deleted or purged file keeps its row as a tombstone: `deleted_at` is set, the name is
    replaced by its SHA-256 (`filename_sha256`, `filename` emptied), size and content digest
    stay, and the blob is removed once the deletion has committed.
    """

    __tablename__ = "case_attachments"
    __table_args__ = (sa.Index("ix_case_attachments_case", "case_id", "created_at"),)

    case_id: uuid.UUID = Field(foreign_key="cases.id", ondelete="CASCADE")
    uploaded_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=127)
    size: int = Field(sa_type=sa.BigInteger)
    sha256: str = Field(max_length=64)
    storage_key: str = Field(max_length=255)
    handling_code: str | None = Field(default=None, max_length=2)
    created_at: datetime = _created_at()
    # The uploader's side then (requesting | requested | observer): whose file it is.
    side: str | None = Field(default=None, max_length=16)
    deleted_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    # Null for a purge (the system) or once the member's row is gone.
    deleted_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    deletion_kind: str | None = Field(default=None, max_length=16)  # deleted | purged
    deletion_reason: str | None = None
    filename_sha256: str | None = Field(default=None, max_length=64)


class CaseDataKey(SQLModel, table=True):
    """The case's AES-256 data key, wrapped (AES-GCM) by the storage master key."""

    __tablename__ = "case_data_keys"

    case_id: uuid.UUID = Field(foreign_key="cases.id", primary_key=True, ondelete="CASCADE")
    wrapped_key: bytes = Field(sa_column=sa.Column(sa.LargeBinary(), nullable=False))
    # Which master key wrapped it (a fingerprint, never the key): detects a wrong key early.
    master_key_id: str = Field(max_length=16)
    created_at: datetime = _created_at()


class CaseDeadlineNotice(UUIDPrimaryKey, SQLModel, table=True):
    """The requested side's structured "cannot meet the deadline" notice (or a postponement)."""

    __tablename__ = "case_deadline_notices"

    case_id: uuid.UUID = Field(foreign_key="cases.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=16)  # delay | postponement
    reason: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    previous_date: date | None = None
    new_date: date
    filed_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = _created_at()
