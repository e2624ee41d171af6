"""Posts: read one, edit (revisions kept), delete one's own; flags and hiding."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, Query, Response, status

from app.core.pagination import Cursor, Limit, Page
from app.db import DbSession
from app.forums import service
from app.forums.routes.dependencies import Moderator, Poster, Reader
from app.forums.schemas import (
    FlagCreate,
    FlagRead,
    FlagResolve,
    HideRequest,
    ModerationReason,
    PostRead,
    PostRevisionRead,
    PostUpdate,
)

router = APIRouter()


@router.get("/posts/{post_id}", response_model=PostRead)
async def get_post(session: DbSession, actor: Reader, post_id: uuid.UUID) -> PostRead:
    """One post."""
    return await service.get_post(session, actor=actor, post_id=post_id)


@router.patch("/posts/{post_id}", response_model=PostRead)
async def edit_post(
    session: DbSession, actor: Poster, post_id: uuid.UUID, data: PostUpdate
) -> PostRead:
    """Edit a post (its author, or a moderator); the previous version becomes a revision."""
    return await service.edit_post(session, actor=actor, post_id=post_id, body=data.body)


@router.delete("/posts/{post_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_post(session: DbSession, actor: Poster, post_id: uuid.UUID) -> Response:
    """Delete one's own post (it stays in the thread, marked deleted)."""
    await service.delete_post(session, actor=actor, post_id=post_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/posts/{post_id}/revisions", response_model=list[PostRevisionRead])
async def list_post_revisions(
    session: DbSession, actor: Reader, post_id: uuid.UUID
) -> list[PostRevisionRead]:
    """Every version of a post (its author and moderators)."""
    return await service.list_revisions(session, actor=actor, post_id=post_id)


@router.post("/posts/{post_id}/hide", response_model=PostRead)
async def hide_post(
    session: DbSession, actor: Moderator, post_id: uuid.UUID, data: HideRequest
) -> PostRead:
    """Hide a post from members: `{reason}` (its author is told)."""
    return await service.hide_post(session, actor=actor, post_id=post_id, reason=data.reason)


@router.post("/posts/{post_id}/unhide", response_model=PostRead)
async def unhide_post(
    session: DbSession,
    actor: Moderator,
    post_id: uuid.UUID,
    data: ModerationReason | None = None,
) -> PostRead:
    """Show a hidden post again (`{reason?}`)."""
    reason = data.reason if data else None
    return await service.unhide_post(session, actor=actor, post_id=post_id, reason=reason)


@router.post("/posts/{post_id}/flags", status_code=status.HTTP_201_CREATED, response_model=FlagRead)
async def flag_post(
    session: DbSession, actor: Reader, post_id: uuid.UUID, data: FlagCreate
) -> FlagRead:
    """Report a post to the moderators: `{reason}`."""
    return await service.flag_post(session, actor=actor, post_id=post_id, reason=data.reason)


@router.get("/moderation/flags", response_model=Page[FlagRead])
async def list_flags(
    session: DbSession,
    actor: Moderator,
    flag_status: Literal["open", "actioned", "dismissed"] = Query("open", alias="status"),
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[FlagRead]:
    """The flag queue, oldest first."""
    items, next_cursor = await service.list_flags(
        session, actor=actor, status=flag_status, limit=limit, cursor=cursor
    )
    return Page(items=items, next_cursor=next_cursor)


@router.post("/moderation/flags/{flag_id}/resolve", response_model=FlagRead)
async def resolve_flag(
    session: DbSession, actor: Moderator, flag_id: uuid.UUID, data: FlagResolve
) -> FlagRead:
    """Close a flag: `{resolution: actioned|dismissed, note?}`."""
    return await service.resolve_flag(session, actor=actor, flag_id=flag_id, data=data)
