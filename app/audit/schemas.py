"""API shapes of the audit domain."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class AuditEntryRead(BaseModel):
    id: int
    seq: int | None  # null until the sealer has chained it (normally within a second)
    hash: str | None
    occurred_at: datetime
    actor_user_id: uuid.UUID | None
    actor_handle: str | None = Field(
        default=None, description="the actor's handle when they acted; null for the system"
    )
    actor_name: str | None = Field(
        default=None, description="the actor's display name when they acted"
    )
    actor_session_id: uuid.UUID | None
    actor_ip: str | None
    actor_user_agent: str | None
    request_id: str | None
    action: str
    target_type: str | None
    target_id: str | None
    authority_ids: list[uuid.UUID]
    outcome: str
    changes: dict[str, Any] | None
    details: dict[str, Any] | None


class AuditEntryDetail(AuditEntryRead):
    prev_hash: str | None = Field(
        description="the hash of the entry before it in the chain (64 zeros for the first); "
        "null until the entry is sealed"
    )


class ChainHead(BaseModel):
    seq: int
    hash: str


class VerifyRead(BaseModel):
    ok: bool
    checked: int
    head: ChainHead
    first_bad_seq: int | None
    checkpoints_checked: int
    problems: list[str]


class CheckpointRead(BaseModel):
    id: int
    seq: int
    hash: str
    signed_at: datetime
    key_id: str
    signature: str
    text: str  # the plain-text form a third party verifies with the public key


class PublicKeyRead(BaseModel):
    key_id: str
    public_key_pem: str


class MemberAuthority(BaseModel):
    id: uuid.UUID
    name: str
    state_code: str


class MemberDirectoryRead(BaseModel):
    """The minimal directory entry an auditor needs to tell who an actor is."""

    id: uuid.UUID
    handle: str
    full_name: str
    authority: MemberAuthority | None
    roles: list[str]
