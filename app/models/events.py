"""Domain events, stored in the transaction that caused them, delivered after commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from app.models.base import utcnow


class Event(SQLModel, table=True):
    __tablename__ = "events"

    id: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger, sa.Identity(), primary_key=True)
    )
    name: str = Field(max_length=64)
    # Who may receive it: ("thread", id), ("forum", id), ("case", id), ("user", id),
    # ("moderators", None). Checked again against current permissions at send time.
    audience_kind: str = Field(max_length=16)
    audience_id: str | None = Field(default=None, max_length=64)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=sa.Column(JSONB(), nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"server_default": sa.func.now(), "nullable": False},
    )
