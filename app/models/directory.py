"""Directory tables: states and the authorities that act for them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel

from app.models.base import Timestamps, UUIDPrimaryKey


class State(SQLModel, table=True):
    __tablename__ = "states"

    code: str = Field(primary_key=True, max_length=3)  # ISO 3166-1 alpha-3
    alpha2: str = Field(max_length=2, unique=True)
    numeric: str = Field(max_length=3)
    name: str
    official_name: str | None = None
    region: str | None = None  # UN M49 region, e.g. "Europe"
    subregion: str | None = None  # UN M49 sub-region, e.g. "Western Europe"


class Authority(UUIDPrimaryKey, Timestamps, table=True):
    __tablename__ = "authorities"

    state_code: str = Field(foreign_key="states.code", index=True, max_length=3)
    name: str
    types: list[str] = Field(
        default_factory=list,
        sa_column=sa.Column(ARRAY(sa.String()), nullable=False, server_default="{}"),
    )
