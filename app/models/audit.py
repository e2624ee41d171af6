"""The audit log: entries, the hash chain that seals them, and signed checkpoints.

All three tables are append-only: triggers (migration 0003_audit) reject UPDATE, DELETE and
TRUNCATE, and in production the application's role holds only SELECT and INSERT on them.

Entries are written unchained inside the transaction of the action they record, so writers
never wait for one another; a single sealing task (app/audit/sealing.py) later appends one
`audit_chain` row per committed entry, giving it the gapless `seq` and the chained hash.
Keeping the chain in its own table means `audit_entries` is never updated, not even once.
"""

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
    # One index per search filter the auditor API offers (app/audit/repository.py), plus the
    # sealer's (xact_id, id) scan. Each costs a little on every write: measured in bench/.
    __table_args__ = (
        sa.Index("ix_audit_entries_xact_id_id", "xact_id", "id"),
        sa.Index("ix_audit_entries_actor_user_id_id", "actor_user_id", "id"),
        # Pattern ops: the `action` filter is a prefix (LIKE 'case.%') whatever the collation.
        sa.Index(
            "ix_audit_entries_action_prefix",
            "action",
            postgresql_ops={"action": "varchar_pattern_ops"},
        ),
        sa.Index("ix_audit_entries_target", "target_type", "target_id", "id"),
        sa.Index("ix_audit_entries_authority_ids", "authority_ids", postgresql_using="gin"),
        # BRIN: entries arrive in time order, so a block-range summary serves time windows
        # at a fraction of a B-tree's cost on every insert.
        sa.Index("ix_audit_entries_occurred_at", "occurred_at", postgresql_using="brin"),
    )

    # Insertion order only; the gapless, chained sequence number is assigned at sealing.
    id: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger, sa.Identity(), primary_key=True)
    )
    # The writing transaction's id, stamped by a BEFORE INSERT trigger whatever the client
    # sends: the sealer only seals entries of transactions older than every one in progress.
    xact_id: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, nullable=False))
    occurred_at: datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"nullable": False},
    )
    actor_user_id: uuid.UUID | None = None
    # The member's handle and name as they were when acting (null for the system and for
    # anonymous callers): a later rename must not rewrite who did what. Unbounded, so no
    # member's name can ever make the action it records fail.
    actor_handle: str | None = Field(default=None, sa_column=sa.Column(sa.Text(), nullable=True))
    actor_name: str | None = Field(default=None, sa_column=sa.Column(sa.Text(), nullable=True))
    actor_session_id: uuid.UUID | None = None
    actor_ip: str | None = Field(default=None, sa_column=sa.Column(INET(), nullable=True))
    actor_user_agent: str | None = Field(default=None, max_length=512)
    request_id: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=100)
    target_type: str | None = Field(default=None, max_length=50)
    target_id: str | None = Field(default=None, max_length=100)
    authority_ids: list[uuid.UUID] = Field(
        default_factory=list,
        sa_column=sa.Column(ARRAY(sa.Uuid()), nullable=False, server_default="{}"),
    )
    outcome: str = Field(default="success", max_length=16)
    changes: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(JSONB()))
    details: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(JSONB()))


class AuditChainLink(SQLModel, table=True):
    """Seals one entry: `hash = SHA-256(prev_hash || canonical encoding)` (app/audit/chain.py)."""

    __tablename__ = "audit_chain"

    seq: int = Field(sa_column=sa.Column(sa.BigInteger, primary_key=True, autoincrement=False))
    entry_id: int = Field(
        sa_column=sa.Column(
            sa.BigInteger, sa.ForeignKey("audit_entries.id"), nullable=False, unique=True
        )
    )
    hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    sealed_at: datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"server_default": sa.func.now(), "nullable": False},
    )


class AuditCheckpoint(SQLModel, table=True):
    """A signed statement of the chain head: Ed25519 over the plain-text form of its fields."""

    __tablename__ = "audit_checkpoints"

    id: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger, sa.Identity(), primary_key=True)
    )
    seq: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False, index=True))
    hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    signed_at: datetime = Field(sa_type=sa.DateTime(timezone=True), nullable=False)
    key_id: str = Field(max_length=32)
    signature: str = Field(max_length=128)
