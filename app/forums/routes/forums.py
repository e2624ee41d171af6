"""Forums, groups and the member's forum settings."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Response, status

from app.core.pagination import Cursor, Limit, Page
from app.db import DbSession
from app.forums import service
from app.forums.routes.dependencies import IdempotencyKey, Manager, Poster, Reader
from app.forums.schemas import (
    Following,
    ForumCreate,
    ForumRead,
    ForumSettings,
    ForumUpdate,
    GroupCreate,
    GroupMemberRead,
    GroupRead,
    MarkedRead,
    Mentionable,
    PostPreview,
    RenderedBody,
    ThreadCreate,
    ThreadCreated,
    ThreadRead,
)

router = APIRouter()


@router.get("/forums", response_model=Page[ForumRead])
async def list_forums(
    session: DbSession, actor: Reader, limit: Limit = 100, cursor: Cursor = None
) -> Page[ForumRead]:
    """The forums the caller may read, with unread counts."""
    items, next_cursor = await service.list_forums(session, actor=actor, limit=limit, cursor=cursor)
    return Page(items=items, next_cursor=next_cursor)


@router.post("/forums", status_code=status.HTTP_201_CREATED, response_model=ForumRead)
async def create_forum(session: DbSession, actor: Manager, data: ForumCreate) -> ForumRead:
    """Create a forum for the network, a group, or moderators only."""
    return await service.create_forum(session, actor=actor, data=data)


@router.post("/forums/read", response_model=MarkedRead)
async def mark_everything_read(session: DbSession, actor: Reader) -> MarkedRead:
    """Mark every thread of every readable forum read."""
    return MarkedRead(threads_marked=await service.mark_all_read(session, actor=actor))


@router.get("/forums/{forum_id}", response_model=ForumRead)
async def get_forum(session: DbSession, actor: Reader, forum_id: uuid.UUID) -> ForumRead:
    """One forum."""
    return await service.get_forum(session, actor=actor, forum_id=forum_id)


@router.patch("/forums/{forum_id}", response_model=ForumRead)
async def update_forum(
    session: DbSession, actor: Manager, forum_id: uuid.UUID, data: ForumUpdate
) -> ForumRead:
    """Rename, describe, reorder a forum or change its audience."""
    return await service.update_forum(session, actor=actor, forum_id=forum_id, data=data)


@router.get("/forums/{forum_id}/threads", response_model=Page[ThreadRead])
async def list_threads(
    session: DbSession,
    actor: Reader,
    forum_id: uuid.UUID,
    limit: Limit = 50,
    cursor: Cursor = None,
    tag: str | None = Query(None, max_length=40),
) -> Page[ThreadRead]:
    """A forum's threads: pinned first, then latest activity; with unread counts."""
    items, next_cursor = await service.list_threads(
        session, actor=actor, forum_id=forum_id, limit=limit, cursor=cursor, tag=tag
    )
    return Page(items=items, next_cursor=next_cursor)


@router.post(
    "/forums/{forum_id}/threads", status_code=status.HTTP_201_CREATED, response_model=ThreadCreated
)
async def start_thread(
    session: DbSession,
    actor: Poster,
    forum_id: uuid.UUID,
    data: ThreadCreate,
    idempotency_key: IdempotencyKey = None,
) -> ThreadCreated:
    """Start a thread: `{title, body, tags?}` -> the thread with its first post."""
    return await service.start_thread(
        session, actor=actor, forum_id=forum_id, data=data, idempotency_key=idempotency_key
    )


@router.put("/forums/{forum_id}/follow", response_model=Following)
async def follow_forum(session: DbSession, actor: Reader, forum_id: uuid.UUID) -> Following:
    """Follow every thread of a forum, present and future."""
    await service.set_forum_following(session, actor=actor, forum_id=forum_id, following=True)
    return Following(following=True)


@router.delete("/forums/{forum_id}/follow", response_model=Following)
async def unfollow_forum(session: DbSession, actor: Reader, forum_id: uuid.UUID) -> Following:
    """Stop following a forum."""
    await service.set_forum_following(session, actor=actor, forum_id=forum_id, following=False)
    return Following(following=False)


@router.post("/forums/{forum_id}/read", response_model=MarkedRead)
async def mark_forum_read(session: DbSession, actor: Reader, forum_id: uuid.UUID) -> MarkedRead:
    """Mark every thread of a forum read."""
    marked = await service.mark_all_read(session, actor=actor, forum_id=forum_id)
    return MarkedRead(threads_marked=marked)


@router.post("/forums/{forum_id}/preview", response_model=RenderedBody)
async def preview_post(
    session: DbSession, actor: Poster, forum_id: uuid.UUID, data: PostPreview
) -> RenderedBody:
    """Render markdown as a post in this forum would be (`{body}` -> `{body_html}`); nothing
    is kept."""
    return await service.preview_post(session, actor=actor, forum_id=forum_id, body=data.body)


@router.get("/forums/{forum_id}/mentionable", response_model=list[Mentionable])
async def list_mentionable(
    session: DbSession,
    actor: Poster,
    forum_id: uuid.UUID,
    q: str = Query(..., min_length=1, max_length=60, description="start of a handle or name"),
    limit: int = Query(8, ge=1, le=20),
) -> list[Mentionable]:
    """Members one may mention with `@handle` here: those who may read the forum."""
    return await service.mentionable_members(
        session, actor=actor, forum_id=forum_id, prefix=q, limit=limit
    )


@router.get("/me/forum-settings", response_model=ForumSettings)
async def get_forum_settings(session: DbSession, actor: Reader) -> ForumSettings:
    """The caller's forum settings (auto-follow)."""
    return await service.get_settings(session, actor=actor)


@router.put("/me/forum-settings", response_model=ForumSettings)
async def update_forum_settings(
    session: DbSession, actor: Reader, data: ForumSettings
) -> ForumSettings:
    """Change the caller's forum settings."""
    return await service.update_settings(session, actor=actor, data=data)


@router.get("/groups", response_model=list[GroupRead])
async def list_groups(session: DbSession, actor: Manager) -> list[GroupRead]:
    """Every group (admins and moderators)."""
    return await service.list_groups(session, actor=actor)


@router.post("/groups", status_code=status.HTTP_201_CREATED, response_model=GroupRead)
async def create_group(session: DbSession, actor: Manager, data: GroupCreate) -> GroupRead:
    """Create a group: `{name, region?}`; a region makes membership follow the authorities."""
    return await service.create_group(session, actor=actor, data=data)


@router.get("/groups/{group_id}", response_model=GroupRead)
async def get_group(session: DbSession, actor: Manager, group_id: uuid.UUID) -> GroupRead:
    """One group."""
    return await service.get_group(session, actor=actor, group_id=group_id)


@router.get("/groups/{group_id}/members", response_model=list[GroupMemberRead])
async def list_group_members(
    session: DbSession, actor: Manager, group_id: uuid.UUID
) -> list[GroupMemberRead]:
    """The explicit members of a group."""
    return await service.list_group_members(session, actor=actor, group_id=group_id)


@router.put("/groups/{group_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def add_group_member(
    session: DbSession, actor: Manager, group_id: uuid.UUID, user_id: uuid.UUID
) -> Response:
    """Add a member to a group."""
    await service.add_group_member(session, actor=actor, group_id=group_id, user_id=user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/groups/{group_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_group_member(
    session: DbSession, actor: Manager, group_id: uuid.UUID, user_id: uuid.UUID
) -> Response:
    """Remove a member from a group."""
    await service.remove_group_member(session, actor=actor, group_id=group_id, user_id=user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
