"""Threads: read, reply, follow, mark read; moderators lock, pin and move."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Response, status

from app.core.pagination import Cursor, Limit, Page
from app.core.responses import page_response
from app.db import DbSession
from app.forums import service
from app.forums.routes.dependencies import IdempotencyKey, Moderator, Poster, Reader
from app.forums.schemas import (
    Following,
    ModerationReason,
    PostCreate,
    PostRead,
    ReadMarker,
    ReadState,
    ThreadMove,
    ThreadRead,
)

router = APIRouter()


@router.get("/threads/{thread_id}", response_model=ThreadRead)
async def get_thread(session: DbSession, actor: Reader, thread_id: uuid.UUID) -> ThreadRead:
    """One thread with the caller's `unread_count` and `following`."""
    return await service.get_thread(session, actor=actor, thread_id=thread_id)


@router.get("/threads/{thread_id}/posts", response_model=Page[PostRead])
async def list_posts(
    session: DbSession,
    actor: Reader,
    thread_id: uuid.UUID,
    limit: Limit = 50,
    cursor: Cursor = None,
    from_post_id: uuid.UUID | None = Query(
        None, description="start at this post (a link to it, or the first unread one)"
    ),
) -> Response:
    """A thread's posts in order (hidden posts show as hidden, except to moderators)."""
    items, next_cursor = await service.list_posts(
        session,
        actor=actor,
        thread_id=thread_id,
        limit=limit,
        cursor=cursor,
        from_post_id=from_post_id,
    )
    return page_response(items, next_cursor)


@router.post(
    "/threads/{thread_id}/posts", status_code=status.HTTP_201_CREATED, response_model=PostRead
)
async def create_post(
    session: DbSession,
    actor: Poster,
    thread_id: uuid.UUID,
    data: PostCreate,
    idempotency_key: IdempotencyKey = None,
) -> PostRead:
    """Reply: `{body, reply_to_post_id?}` in markdown; 409 if the thread is locked."""
    return await service.create_post(
        session,
        actor=actor,
        thread_id=thread_id,
        body=data.body,
        reply_to_post_id=data.reply_to_post_id,
        idempotency_key=idempotency_key,
    )


@router.put("/threads/{thread_id}/follow", response_model=Following)
async def follow_thread(session: DbSession, actor: Reader, thread_id: uuid.UUID) -> Following:
    """Follow a thread."""
    await service.set_thread_following(session, actor=actor, thread_id=thread_id, following=True)
    return Following(following=True)


@router.delete("/threads/{thread_id}/follow", response_model=Following)
async def unfollow_thread(session: DbSession, actor: Reader, thread_id: uuid.UUID) -> Following:
    """Unfollow a thread (also when following its whole forum)."""
    await service.set_thread_following(session, actor=actor, thread_id=thread_id, following=False)
    return Following(following=False)


@router.put("/threads/{thread_id}/read", response_model=ReadState)
async def mark_thread_read(
    session: DbSession, actor: Reader, thread_id: uuid.UUID, data: ReadMarker
) -> ReadState:
    """Record the last post read: `{last_read_post_id}`."""
    return await service.mark_thread_read(
        session, actor=actor, thread_id=thread_id, last_read_post_id=data.last_read_post_id
    )


@router.post("/threads/{thread_id}/lock", response_model=ThreadRead)
async def lock_thread(
    session: DbSession,
    actor: Moderator,
    thread_id: uuid.UUID,
    data: ModerationReason | None = None,
) -> ThreadRead:
    """Lock a thread: no new posts (`{reason?}`)."""
    reason = data.reason if data else None
    return await service.lock_thread(
        session, actor=actor, thread_id=thread_id, locked=True, reason=reason
    )


@router.post("/threads/{thread_id}/unlock", response_model=ThreadRead)
async def unlock_thread(
    session: DbSession,
    actor: Moderator,
    thread_id: uuid.UUID,
    data: ModerationReason | None = None,
) -> ThreadRead:
    """Unlock a thread."""
    reason = data.reason if data else None
    return await service.lock_thread(
        session, actor=actor, thread_id=thread_id, locked=False, reason=reason
    )


@router.post("/threads/{thread_id}/pin", response_model=ThreadRead)
async def pin_thread(
    session: DbSession,
    actor: Moderator,
    thread_id: uuid.UUID,
    data: ModerationReason | None = None,
) -> ThreadRead:
    """Pin a thread to the top of its forum."""
    reason = data.reason if data else None
    return await service.pin_thread(
        session, actor=actor, thread_id=thread_id, pinned=True, reason=reason
    )


@router.post("/threads/{thread_id}/unpin", response_model=ThreadRead)
async def unpin_thread(
    session: DbSession,
    actor: Moderator,
    thread_id: uuid.UUID,
    data: ModerationReason | None = None,
) -> ThreadRead:
    """Unpin a thread."""
    reason = data.reason if data else None
    return await service.pin_thread(
        session, actor=actor, thread_id=thread_id, pinned=False, reason=reason
    )


@router.post("/threads/{thread_id}/move", response_model=ThreadRead)
async def move_thread(
    session: DbSession, actor: Moderator, thread_id: uuid.UUID, data: ThreadMove
) -> ThreadRead:
    """Move a thread to another forum: `{forum_id, reason}`."""
    return await service.move_thread(
        session, actor=actor, thread_id=thread_id, forum_id=data.forum_id, reason=data.reason
    )
