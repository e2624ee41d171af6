"""HTTP endpoints of the audit domain (thin: parse, call one service function, shape)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import StreamingResponse

from app.audit import service
from app.audit.export import MEDIA_TYPES
from app.audit.repository import EventFilters
from app.audit.schemas import (
    AuditEntryDetail,
    AuditEntryRead,
    CheckpointRead,
    MemberDirectoryRead,
    PublicKeyRead,
    VerifyRead,
)
from app.auth.actor import Actor
from app.auth.dependencies import CurrentUser
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Cursor, Limit, Page
from app.db import DbSession

router = APIRouter(tags=["audit"])


async def _auditor(request: Request, session: DbSession, actor: CurrentUser) -> Actor:
    return await service.admit_auditor(
        session, actor=actor, method=request.method, path=request.url.path
    )


Auditor = Annotated[Actor, Depends(_auditor, scope="function")]


def _filters(
    action: Annotated[str | None, Query(max_length=100, description="action prefix")] = None,
    actor_id: uuid.UUID | None = None,
    target_type: Annotated[str | None, Query(max_length=50)] = None,
    target_id: Annotated[str | None, Query(max_length=100)] = None,
    authority: Annotated[uuid.UUID | None, Query(description="authority concerned")] = None,
    outcome: Literal["success", "denied", "failed"] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> EventFilters:
    return EventFilters(
        action=action,
        actor_id=actor_id,
        target_type=target_type,
        target_id=target_id,
        authority_id=authority,
        outcome=outcome,
        since=since,
        until=until,
    )


Filters = Annotated[EventFilters, Depends(_filters)]


@router.get("/audit/events", response_model=Page[AuditEntryRead])
async def search_events(
    actor: Auditor,
    session: DbSession,
    filters: Filters,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[AuditEntryRead]:
    """Search audit entries (newest first); the search itself is recorded."""
    return await service.search_events(
        session, actor=actor, filters=filters, cursor=cursor, limit=limit
    )


@router.get(
    "/audit/events/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}, "text/csv": {}}}},
)
async def export_events(
    request: Request,
    actor: Auditor,
    session: DbSession,
    filters: Filters,
    format: Literal["jsonl", "csv"] = "jsonl",
) -> StreamingResponse:
    """Stream the sealed entries of a time window as JSONL (verifiable) or CSV."""
    db = request.app.state.db
    body = await service.start_export(session, db, actor=actor, filters=filters, fmt=format)
    return StreamingResponse(
        body,
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="canet-audit.{format}"'},
    )


# After the export route: "export" is not an entry id.
@router.get("/audit/events/{entry_id}", response_model=AuditEntryDetail)
async def read_event(
    entry_id: Annotated[int, Path(ge=1, le=2**63 - 1)], actor: Auditor, session: DbSession
) -> AuditEntryDetail:
    """One entry, with its seq, hash and the previous entry's hash; the read is recorded."""
    return await service.read_entry(session, actor=actor, entry_id=entry_id)


@router.get("/audit/verify", response_model=VerifyRead)
async def verify(
    request: Request, actor: Auditor, session: DbSession, since_checkpoint: bool = False
) -> VerifyRead:
    """Recompute the hash chain and check the signed checkpoints."""
    return await service.verify_chain(
        session,
        request.app.state.db,
        request.app.state.settings,
        actor=actor,
        since_checkpoint=since_checkpoint,
    )


@router.get("/audit/checkpoints", response_model=Page[CheckpointRead])
async def list_checkpoints(
    actor: Auditor, session: DbSession, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> Page[CheckpointRead]:
    """Signed checkpoints of the chain head, newest first."""
    return await service.list_checkpoints(session, actor=actor, cursor=cursor, limit=limit)


@router.get("/audit/public-key", response_model=PublicKeyRead)
async def public_key(request: Request, actor: Auditor, session: DbSession) -> PublicKeyRead:
    """The Ed25519 public key that verifies the checkpoints; `keys` lists the previous ones
    too, with the checkpoints each signed."""
    return await service.signing_public_keys(session, request.app.state.settings, actor=actor)


@router.get("/audit/members", response_model=Page[MemberDirectoryRead])
async def member_directory(
    actor: Auditor,
    session: DbSession,
    ids: Annotated[
        list[uuid.UUID],
        Query(
            min_length=1,
            max_length=MAX_LIMIT,
            description="member ids, e.g. actor_user_id of entries (repeat: ?ids=a&ids=b)",
        ),
    ],
) -> Page[MemberDirectoryRead]:
    """Who the given members are (handle, name, authority, roles); the read is recorded."""
    # Bounded by the ids asked for, so one page holds them all (next_cursor is null).
    items = await service.read_member_directory(session, actor=actor, user_ids=ids)
    return Page(items=items, next_cursor=None)


@router.get("/audit/members/{user_id}", response_model=MemberDirectoryRead)
async def member_entry(
    user_id: uuid.UUID, actor: Auditor, session: DbSession
) -> MemberDirectoryRead:
    """One member's directory entry; the read is recorded."""
    return await service.read_member(session, actor=actor, user_id=user_id)
