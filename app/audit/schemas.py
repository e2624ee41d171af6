"""API shapes of the audit domain."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

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


class AuditKeyRead(BaseModel):
    key_id: str
    status: Literal["current", "previous", "untrusted"] = Field(
        description="current: the signing key; previous: a retired key still trusted "
        "(CANET_AUDIT_PREVIOUS_PUBLIC_KEYS); untrusted: named by checkpoints but configured "
        "nowhere, so they verify nothing"
    )
    public_key_pem: str | None = Field(description="null for an untrusted key")
    checkpoints: int = Field(description="checkpoints signed by this key")
    first_seq: int | None
    last_seq: int | None
    first_signed_at: datetime | None
    last_signed_at: datetime | None


class PublicKeyRead(BaseModel):
    key_id: str = Field(description="the current signing key")
    public_key_pem: str
    keys: list[AuditKeyRead] = Field(
        default_factory=list,
        description="every key: the current one first, then the previous ones, with what each "
        "signed",
    )


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
