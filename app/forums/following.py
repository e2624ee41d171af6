"""The threads a member follows, across forums, with what is unread in each.

Following is bookkeeping kept apart from access: a member who followed a thread and then lost
access to its forum (left a group, moved authority) still has the follow row, so the listing
filters by what they may read now, in the query, like every other list.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.auth.actor import Actor
from app.core.pagination import Key, apply, decode_cursor, page
from app.forums.access import readable_forum_clause
from app.forums.schemas import FollowedThreadRead
from app.models.forums import Forum, ForumFollow, Post, Thread, ThreadFollow
from app.models.forums import ThreadRead as ReadState


def _last_read(actor: Actor) -> Any:
    return sa.func.coalesce(
        select(col(ReadState.last_read_seq))
        .where(col(ReadState.thread_id) == col(Thread.id), col(ReadState.user_id) == actor.user_id)
        .correlate_except(ReadState)
        .scalar_subquery(),
        0,
    )


def _followed(actor: Actor) -> sa.ColumnElement[bool]:
    """Followed explicitly, or through the forum unless the thread was explicitly unfollowed."""
    explicit = (
        select(col(ThreadFollow.following))
        .where(
            col(ThreadFollow.thread_id) == col(Thread.id),
            col(ThreadFollow.user_id) == actor.user_id,
        )
        .scalar_subquery()
    )
    followed_forums = select(col(ForumFollow.forum_id)).where(
        col(ForumFollow.user_id) == actor.user_id
    )
    return sa.or_(
        explicit.is_(True),
        sa.and_(explicit.is_(None), col(Thread.forum_id).in_(followed_forums)),
    )


async def list_followed_threads(
    session: AsyncSession, *, actor: Actor, limit: int, cursor: str | None
) -> tuple[list[FollowedThreadRead], str | None]:
    """Threads I follow and may still read: those with unread posts first, then by latest
    activity; each with its unread count."""
    last_read = _last_read(actor)
    has_unread = col(Thread.last_post_seq) > last_read
    unread = (
        select(sa.func.count())
        .select_from(Post)
        .where(col(Post.thread_id) == col(Thread.id), col(Post.seq) > last_read)
        .scalar_subquery()
    )
    stmt = (
        sa.select(Thread, col(Forum.name), sa.case((has_unread, unread), else_=0), has_unread)
        .join(Forum, col(Forum.id) == col(Thread.forum_id))
        .where(readable_forum_clause(actor), _followed(actor))
        .order_by(has_unread.desc(), col(Thread.last_activity_at).desc(), col(Thread.id).desc())
        .limit(limit + 1)
    )
    stmt = apply(
        stmt,
        (has_unread, col(Thread.last_activity_at), col(Thread.id)),
        decode_cursor(cursor, Key.bool, Key.datetime, Key.uuid),
        descending=True,
    )
    rows, next_cursor = page(
        (await session.execute(stmt)).all(),
        limit,
        key=lambda r: (bool(r[3]), r[0].last_activity_at, r[0].id),
    )
    return [_followed_read(row) for row in rows], next_cursor


def _followed_read(row: Any) -> FollowedThreadRead:
    thread: Thread = row[0]
    return FollowedThreadRead(
        id=thread.id,
        forum_id=thread.forum_id,
        forum_name=row[1],
        title=thread.title,
        pinned=thread.pinned,
        locked=thread.locked,
        post_count=thread.post_count,
        unread_count=int(row[2] or 0),
        last_activity_at=thread.last_activity_at,
    )
