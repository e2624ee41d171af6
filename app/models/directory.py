"""Directory tables: states, their central authorities, requirement sheets and treaties.

Every change to an authority, a sheet or a treaty keeps a `DirectoryRevision` (field-level
diff) besides its audit entry; `ContactFailureReport` rows flag entries whose contact details
failed for someone.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlmodel import Field, SQLModel

from app.models.base import Timestamps, UUIDPrimaryKey, utcnow


def _text_array() -> sa.Column[Any]:
    return sa.Column(ARRAY(sa.String()), nullable=False, server_default="{}")


class State(SQLModel, table=True):
    __tablename__ = "states"

    code: str = Field(primary_key=True, max_length=3)  # ISO 3166-1 alpha-3
    alpha2: str = Field(max_length=2, unique=True)
    numeric: str = Field(max_length=3)
    name: str
    official_name: str | None = None
    region: str | None = Field(default=None, index=True)  # UN M49 region, e.g. "Europe"
    subregion: str | None = None  # UN M49 sub-region, e.g. "Western Europe"
    # UN M49 intermediate region where there is one, e.g. "South America", "Western Africa"
    intermediate_region: str | None = None


class Authority(UUIDPrimaryKey, Timestamps, table=True):
    __tablename__ = "authorities"
    __table_args__ = (
        sa.Index("ix_authorities_types", "types", postgresql_using="gin"),
        sa.Index("ix_authorities_languages", "languages", postgresql_using="gin"),
        sa.Index("ix_authorities_channels", "channels", postgresql_using="gin"),
    )

    state_code: str = Field(foreign_key="states.code", index=True, max_length=3)
    name: str
    types: list[str] = Field(default_factory=list, sa_column=_text_array())
    name_original: str | None = None  # the name in the official language of the state
    address: str | None = None
    phone: str | None = Field(default=None, max_length=64)
    fax: str | None = Field(default=None, max_length=64)
    email: str | None = Field(default=None, max_length=320)
    website: str | None = Field(default=None, max_length=2048)
    time_zone: str | None = Field(default=None, max_length=64)  # IANA, e.g. "Europe/Paris"
    office_hours: str | None = None
    # ISO 639-1 codes of the languages accepted for incoming requests.
    languages: list[str] = Field(default_factory=list, sa_column=_text_array())
    # direct_transmission | diplomatic_channel | interpol
    channels: list[str] = Field(default_factory=list, sa_column=_text_array())
    urgent_procedure: str | None = None  # markdown
    contact_24_7: str | None = None
    # Whether the state accepts the Convention as legal basis (UNTOC arts. 16(4) and 18);
    # None = not stated.
    convention_basis_extradition: bool | None = None
    convention_basis_mla: bool | None = None
    alternative_arrangements: str | None = None  # markdown
    notes: str | None = None  # markdown: summaries of requirements, procedures, anything else
    # [{"title": ..., "url": ...}]
    law_links: list[dict[str, Any]] = Field(
        default_factory=list,
        sa_column=sa.Column(JSONB(), nullable=False, server_default="[]"),
    )
    # [{"name", "position", "email", "phone", "languages", "user_id"}]: user_id links a
    # member of the network; plain contacts have none.
    contacts: list[dict[str, Any]] = Field(
        default_factory=list,
        sa_column=sa.Column(JSONB(), nullable=False, server_default="[]"),
    )
    last_verified_at: datetime | None = Field(
        default=None, sa_type=sa.DateTime(timezone=True), index=True
    )
    # use_alter: users already references authorities; this breaks the cycle for table sorting.
    last_verified_by: uuid.UUID | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.Uuid(),
            sa.ForeignKey("users.id", ondelete="SET NULL", use_alter=True),
            nullable=True,
        ),
    )
    stale_reminded_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


# Maintained by the trigger `authorities_search_vector` (migration 0005_directory) from the
# name, original name, state name, address, notes and contacts. Kept out of the mapper so the
# ORM neither loads nor writes it; only search queries read it through `authority_search`.
AUTHORITY_SEARCH_VECTOR = sa.Column("search_vector", TSVECTOR(), nullable=True)
_authorities_table = cast(sa.Table, Authority.__table__)  # type: ignore[attr-defined]
_authorities_table.append_column(AUTHORITY_SEARCH_VECTOR)
sa.Index("ix_authorities_search_vector", AUTHORITY_SEARCH_VECTOR, postgresql_using="gin")


class RequirementSheet(UUIDPrimaryKey, Timestamps, table=True):
    """What a state requires for one request type (and optionally one measure)."""

    __tablename__ = "requirement_sheets"
    __table_args__ = (
        sa.UniqueConstraint(
            "state_code", "request_type", "measure", name="uq_requirement_sheets_key"
        ),
    )

    state_code: str = Field(foreign_key="states.code", max_length=3)
    request_type: str = Field(max_length=64)
    # "" is the general sheet of the request type (NULL would defeat the unique key).
    measure: str = Field(default="", max_length=64)
    possible: bool | None = None
    legal_framework: str | None = None  # markdown
    receiving_authority_id: uuid.UUID | None = Field(
        default=None, foreign_key="authorities.id", ondelete="SET NULL", index=True
    )
    executing_authority: str | None = None
    languages: list[str] = Field(default_factory=list, sa_column=_text_array())
    usual_execution_time: str | None = None
    # dual_criminality | certified_translation | original_signed_request | ...
    requirements: list[str] = Field(default_factory=list, sa_column=_text_array())
    special_requirements: str | None = None  # markdown
    alternatives: str | None = None  # markdown
    notes: str | None = None  # markdown
    last_verified_at: datetime | None = Field(
        default=None, sa_type=sa.DateTime(timezone=True), index=True
    )
    last_verified_by: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
    stale_reminded_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class Treaty(UUIDPrimaryKey, Timestamps, table=True):
    """A bilateral, regional or multilateral instrument on cooperation in criminal matters."""

    __tablename__ = "treaties"

    title: str
    kind: str = Field(max_length=16)  # bilateral | regional | multilateral
    # Request types the instrument covers (mla, extradition, ...).
    subjects: list[str] = Field(default_factory=list, sa_column=_text_array())
    signed_on: date | None = None
    in_force_on: date | None = None
    url: str | None = Field(default=None, max_length=2048)
    notes: str | None = None


class TreatyParty(SQLModel, table=True):
    __tablename__ = "treaty_parties"

    treaty_id: uuid.UUID = Field(foreign_key="treaties.id", primary_key=True, ondelete="CASCADE")
    state_code: str = Field(foreign_key="states.code", primary_key=True, max_length=3, index=True)


class DirectoryRevision(SQLModel, table=True):
    """One change to a directory entry: who, when, and the field-level diff."""

    __tablename__ = "directory_revisions"
    __table_args__ = (sa.Index("ix_directory_revisions_target", "target_type", "target_id", "id"),)

    id: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger, sa.Identity(), primary_key=True)
    )
    target_type: str = Field(max_length=32)  # authority | requirement_sheet | treaty
    target_id: uuid.UUID
    action: str = Field(max_length=32)  # created | updated | verified | imported
    actor_user_id: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
    changes: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(JSONB(), nullable=False)
    )
    created_at: datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"server_default": sa.func.now(), "nullable": False},
    )


class ContactFailureReport(UUIDPrimaryKey, SQLModel, table=True):
    """ "This contact failed": flags an authority for its focal point and the moderators."""

    __tablename__ = "contact_failure_reports"

    authority_id: uuid.UUID = Field(foreign_key="authorities.id", index=True, ondelete="CASCADE")
    reporter_user_id: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
    channel: str = Field(max_length=16)  # email | phone | fax | website | address | other
    detail: str | None = Field(default=None, max_length=2000)
    created_at: datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"server_default": sa.func.now(), "nullable": False},
    )
    resolved_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    resolved_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    resolution: str | None = Field(default=None, max_length=2000)
