"""Members and their sign-in sessions."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, CITEXT, INET
from sqlmodel import Field, SQLModel

from app.models.base import Timestamps, UUIDPrimaryKey, utcnow


class User(UUIDPrimaryKey, Timestamps, table=True):
    __tablename__ = "users"

    email: str = Field(sa_column=sa.Column(CITEXT(), nullable=False, unique=True))
    handle: str = Field(sa_column=sa.Column(CITEXT(), nullable=False, unique=True))
    full_name: str
    position: str | None = None
    password_hash: str
    # active | suspended; vetting expiry is separate (vetting_expires_at), so an expired
    # member keeps their account and can still read notifications.
    status: str = Field(default="active", max_length=16, index=True)
    roles: list[str] = Field(
        default_factory=list,
        sa_column=sa.Column(ARRAY(sa.String()), nullable=False, server_default="{}"),
    )
    authority_id: uuid.UUID | None = Field(
        default=None, foreign_key="authorities.id", index=True, ondelete="SET NULL"
    )
    focal_point: bool = Field(default=False)
    vetting_expires_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class UserSession(UUIDPrimaryKey, SQLModel, table=True):
    __tablename__ = "user_sessions"

    user_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"server_default": sa.func.now(), "nullable": False},
    )
    last_seen_at: datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"server_default": sa.func.now(), "nullable": False},
    )
    expires_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    client_ip: str | None = Field(default=None, sa_column=sa.Column(INET(), nullable=True))
    user_agent: str | None = Field(default=None, max_length=512)
