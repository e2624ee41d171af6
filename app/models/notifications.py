"""Notifications derived from events per recipient, preferences, and the deriver's progress."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from app.models.base import UUIDPrimaryKey, utcnow


class Notification(UUIDPrimaryKey, SQLModel, table=True):
    __tablename__ = "notifications"
    __table_args__ = (
        # One notification per recipient, event and type, however often derivation reruns.
        sa.UniqueConstraint("user_id", "event_position", "type"),
        sa.Index("ix_notifications_user_id_created_at", "user_id", "created_at", "id"),
        sa.Index("ix_notifications_unread", "user_id", postgresql_where=sa.text("read_at IS NULL")),
        # "Does this member already have an unread one about this thread?" (coalescing).
        sa.Index(
            "ix_notifications_unread_subject",
            "subject_id",
            "type",
            postgresql_where=sa.text("read_at IS NULL"),
        ),
        sa.Index(
            "ix_notifications_digest_pending",
            "user_id",
            postgresql_where=sa.text("delivery = 'digest' AND digested_at IS NULL"),
        ),
    )

    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE")
    # mention | reply | followed_thread | followed_forum | case_received | ... (see kinds.py)
    type: str = Field(max_length=32)
    event_position: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    # What it is about, as ids only: {"case_id": ..., "message_id": ...}.
    subject_type: str = Field(max_length=16)
    subject_id: str = Field(max_length=64)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=sa.Column(JSONB(), nullable=False))
    # Content-free line, e.g. "New message in case MLA-2026-000123".
    title: str = Field(max_length=200)
    # The recipient's preference when it was made: in_app | email | digest.
    delivery: str = Field(max_length=8)
    created_at: datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"server_default": sa.func.now(), "nullable": False},
    )
    read_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    digested_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class NotificationPreferences(SQLModel, table=True):
    __tablename__ = "notification_preferences"

    user_id: uuid.UUID = Field(primary_key=True, foreign_key="users.id", ondelete="CASCADE")
    # {type: "in_app" | "email" | "digest" | "off"}; types missing here use the defaults.
    modes: dict[str, str] = Field(
        default_factory=dict,
        sa_column=sa.Column(JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")),
    )
    last_digest_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"server_default": sa.func.now(), "nullable": False},
    )


class NotificationProgress(SQLModel, table=True):
    """One row: the deriver has turned every event up to `position` into notifications."""

    __tablename__ = "notification_progress"

    id: int = Field(default=1, primary_key=True)
    position: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False))
