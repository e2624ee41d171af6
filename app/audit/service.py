"""The audit domain's verbs for auditors: search, export, verify, list checkpoints, and
read the minimal member directory that says who an actor id is.

Every search, export and verification is itself recorded, so reading the log leaves a trace
in it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import repository
from app.audit.chain import GENESIS_HASH
from app.audit.checkpoints import as_signed
from app.audit.exceptions import EntryNotFound, MemberNotFound, NotAnAuditor
from app.audit.export import ExportFormat, plan_export, stream_export
from app.audit.keys import key_validity
from app.audit.repository import EventFilters
from app.audit.schemas import (
    AuditEntryDetail,
    AuditEntryRead,
    AuditKeyRead,
    ChainHead,
    CheckpointRead,
    MemberAuthority,
    MemberDirectoryRead,
    PublicKeyRead,
    VerifyRead,
)
from app.audit.signing import key_id, load_signing_key, public_key_pem, trusted_public_keys
from app.audit.verify import verify_database
from app.auth.actor import Actor
from app.auth.permissions import Permission
from app.config import Settings
from app.core import audit
from app.core.audit import Target
from app.core.pagination import Key, Page, decode_cursor, page
from app.core.refusal import refuse
from app.db import Database
from app.identity import service as identity_service

AUDIT_LOG = Target("audit_log")


async def admit_auditor(session: AsyncSession, *, actor: Actor, method: str, path: str) -> Actor:
    """The actor if they may read the audit log; anyone else is refused, and the attempt to
    read the log is itself recorded."""
    if not actor.can(Permission.AUDIT_READ):
        await refuse(
            session,
            NotAnAuditor(),
            actor=actor,
            action="audit.access.denied",
            target=AUDIT_LOG,
            details={"method": method, "path": path},
        )
    return actor


def _require_auditor(actor: Actor) -> None:
    if not actor.can(Permission.AUDIT_READ):
        raise NotAnAuditor()


def _cursor_id(cursor: str | None) -> int | None:
    key = decode_cursor(cursor, Key.int)
    return key[0] if key else None


def _entry_read(row: Any) -> AuditEntryRead:
    return AuditEntryRead.model_validate(dict(row._mapping))


async def search_events(
    session: AsyncSession, *, actor: Actor, filters: EventFilters, cursor: str | None, limit: int
) -> Page[AuditEntryRead]:
    """Entries matching `filters`, newest first."""
    _require_auditor(actor)
    rows = await repository.entries_page(
        session, filters, before_id=_cursor_id(cursor), limit=limit + 1
    )
    items, next_cursor = page([_entry_read(row) for row in rows], limit, key=lambda e: (e.id,))
    await audit.record(
        session,
        actor=actor,
        action="audit.searched",
        target=AUDIT_LOG,
        details={"filters": filters.describe(), "returned": len(items), "cursor": bool(cursor)},
    )
    return Page(items=items, next_cursor=next_cursor)


async def read_entry(session: AsyncSession, *, actor: Actor, entry_id: int) -> AuditEntryDetail:
    """One entry with its place in the chain (404 if there is none); the read is recorded."""
    _require_auditor(actor)
    row = await repository.entry_with_links(session, entry_id)
    if row is None:
        raise EntryNotFound()
    fields = dict(row._mapping)
    if fields["seq"] == 1:
        fields["prev_hash"] = GENESIS_HASH
    await audit.record(
        session,
        actor=actor,
        action="audit.entry.read",
        target=Target("audit_entry", entry_id),
        details={"seq": fields["seq"]},
    )
    return AuditEntryDetail.model_validate(fields)


async def start_export(
    session: AsyncSession, db: Database, *, actor: Actor, filters: EventFilters, fmt: ExportFormat
) -> AsyncIterator[bytes]:
    """Fix the seq range of an export and record it; the bytes it returns are read only as
    they are sent, after the request's transaction (and this record) committed, through a
    connection of their own."""
    _require_auditor(actor)
    plan = await plan_export(db, filters, fmt)
    await audit.record(
        session,
        actor=actor,
        action="audit.exported",
        target=AUDIT_LOG,
        details={
            "filters": filters.describe(),
            "format": fmt,
            "first_seq": plan.first_seq,
            "last_seq": plan.last_seq,
        },
    )
    return stream_export(db, plan)


async def verify_chain(
    session: AsyncSession,
    db: Database,
    settings: Settings,
    *,
    actor: Actor,
    since_checkpoint: bool,
) -> VerifyRead:
    """Recompute the chain and check every signed checkpoint."""
    _require_auditor(actor)
    report = await verify_database(
        db, trusted_public_keys(settings).values(), since_checkpoint=since_checkpoint
    )
    await audit.record(
        session,
        actor=actor,
        action="audit.verified",
        target=AUDIT_LOG,
        outcome="success" if report.ok else "failed",
        details={
            "since_checkpoint": since_checkpoint,
            "checked": report.checked,
            "head_seq": report.head_seq,
            "first_bad_seq": report.first_bad_seq,
        },
    )
    return VerifyRead(
        ok=report.ok,
        checked=report.checked,
        head=ChainHead(seq=report.head_seq, hash=report.head_hash),
        first_bad_seq=report.first_bad_seq,
        checkpoints_checked=report.checkpoints_checked,
        problems=report.problems,
    )


async def list_checkpoints(
    session: AsyncSession, *, actor: Actor, cursor: str | None, limit: int
) -> Page[CheckpointRead]:
    """Signed checkpoints, newest first."""
    _require_auditor(actor)
    rows, next_cursor = page(
        await repository.checkpoints_page(session, before_id=_cursor_id(cursor), limit=limit + 1),
        limit,
        key=lambda r: (r.id,),
    )
    items = [
        CheckpointRead(
            id=row.id,
            seq=row.seq,
            hash=row.hash,
            signed_at=row.signed_at,
            key_id=row.key_id,
            signature=row.signature,
            text=as_signed(row).text(),
        )
        for row in rows
    ]
    return Page(items=items, next_cursor=next_cursor)


async def signing_public_keys(
    session: AsyncSession, settings: Settings, *, actor: Actor
) -> PublicKeyRead:
    """The public half of the checkpoint key, and every key with what it signed."""
    _require_auditor(actor)
    public = load_signing_key(settings).public_key()
    keys = await key_validity(session, settings)
    return PublicKeyRead(
        key_id=key_id(public),
        public_key_pem=public_key_pem(public),
        keys=[AuditKeyRead.model_validate(key, from_attributes=True) for key in keys],
    )


async def read_member_directory(
    session: AsyncSession, *, actor: Actor, user_ids: list[uuid.UUID]
) -> list[MemberDirectoryRead]:
    """Handle, name, authority and roles of the given members; the read is recorded."""
    _require_auditor(actor)
    wanted = list(dict.fromkeys(user_ids))
    found = await identity_service.directory_entries(session, wanted)
    await audit.record(
        session,
        actor=actor,
        action="audit.members.read",
        target=Target("user", wanted[0]) if len(wanted) == 1 else Target("user"),
        details={"user_ids": [str(i) for i in wanted], "returned": len(found)},
        authority_ids=[user.authority_id for user, _ in found],
    )
    return [
        MemberDirectoryRead(
            id=user.id,
            handle=user.handle,
            full_name=user.full_name,
            authority=MemberAuthority(
                id=authority.id, name=authority.name, state_code=authority.state_code
            )
            if authority is not None
            else None,
            roles=sorted(user.roles),
        )
        for user, authority in found
    ]


async def read_member(
    session: AsyncSession, *, actor: Actor, user_id: uuid.UUID
) -> MemberDirectoryRead:
    """One member's directory entry (404 if there is none); the read is recorded."""
    entries = await read_member_directory(session, actor=actor, user_ids=[user_id])
    if not entries:
        raise MemberNotFound()
    return entries[0]
