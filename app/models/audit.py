"""The audit log: one row per recorded action, append-only (enforced by a trigger)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, INET, JSONB
from sqlmodel import Field, SQLModel

from app.models.base import utcnow


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entries"

    # Insertion order only; the gapless, chained sequence number is assigned at sealing.
    id: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger, sa.Identity(), primary_key=True)
    )
    occurred_at: datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"nullable": False},
    )
    actor_user_id: uuid.UUID | None = Field(default=None, index=True)
    actor_session_id: uuid.UUID | None = None
    actor_ip: str | None = Field(default=None, sa_column=sa.Column(INET(), nullable=True))
    actor_user_agent: str | None = Field(default=None, max_length=512)
    request_id: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=100, index=True)
    target_type: str | None = Field(default=None, max_length=50)
    target_id: str | None = Field(default=None, max_length=100)
    authority_ids: list[uuid.UUID] = Field(
        default_factory=list,
        sa_column=sa.Column(ARRAY(sa.Uuid()), nullable=False, server_default="{}"),
    )
    outcome: str = Field(default="success", max_length=16)
    changes: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(JSONB()))
    details: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(JSONB()))
