"""Idempotency keys: the first result of a creating write retried with the same key."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import utcnow


class IdempotencyKey(SQLModel, table=True):
    __tablename__ = "idempotency_keys"

    user_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    # What was created, namespaced by domain: "forums.post", "cases.message:<case id>", ...
    scope: str = Field(primary_key=True, max_length=80)
    key: str = Field(primary_key=True, max_length=128)
    resource_id: uuid.UUID
    created_at: datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"server_default": sa.func.now(), "nullable": False},
    )
