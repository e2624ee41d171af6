"""Keeping up: follow threads and forums, read state, "mark all read", the auto-follow setting.

These are per-member bookkeeping, not content changes: they are not audited and publish no
event (nobody else needs to hear that a member read a thread).
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.auth.actor import Actor
from app.core.errors import ValidationFailed
from app.forums.access import (
    access_forum,
    access_thread,
    member_reads_forum_clause,
    readable_forum_clause,
)
from app.forums.schemas import ForumSettings, ReadState
from app.models.forums import (
    Forum,
    ForumFollow,
    ForumUserSettings,
    Post,
    Thread,
    ThreadFollow,
    ThreadRead,
)
from app.models.identity import User


async def set_thread_following(
    session: AsyncSession, *, actor: Actor, thread_id: uuid.UUID, following: bool
) -> bool:
    """Follow or unfollow a thread; an explicit unfollow also overrides following its forum."""
    await access_thread(session, actor, thread_id)
    upsert = pg_insert(ThreadFollow).values(
        user_id=actor.user_id, thread_id=thread_id, following=following
    )
    await session.execute(
        upsert.on_conflict_do_update(
            index_elements=[col(ThreadFollow.user_id), col(ThreadFollow.thread_id)],
            set_={"following": upsert.excluded.following, "updated_at": sa.func.now()},
        )
    )
    return following


async def set_forum_following(
    session: AsyncSession, *, actor: Actor, forum_id: uuid.UUID, following: bool
) -> bool:
    """Follow or unfollow every thread of a forum (new threads included)."""
    await access_forum(session, actor, forum_id)
    if following:
        await session.execute(
            pg_insert(ForumFollow)
            .values(user_id=actor.user_id, forum_id=forum_id)
            .on_conflict_do_nothing()
        )
    else:
        await session.execute(
            sa.delete(ForumFollow).where(
                col(ForumFollow.user_id) == actor.user_id, col(ForumFollow.forum_id) == forum_id
            )
        )
    return following


async def mark_thread_read(
    session: AsyncSession, *, actor: Actor, thread_id: uuid.UUID, last_read_post_id: uuid.UUID
) -> ReadState:
    """Record that the member has read the thread up to (and including) a post."""
    await access_thread(session, actor, thread_id)
    seq = await session.scalar(
        select(col(Post.seq)).where(
            col(Post.id) == last_read_post_id, col(Post.thread_id) == thread_id
        )
    )
    if seq is None:
        raise ValidationFailed(
            "That post is not in this thread.",
            errors=[{"field": "last_read_post_id", "message": "not a post of this thread"}],
        )
    upsert = pg_insert(ThreadRead).values(
        user_id=actor.user_id, thread_id=thread_id, last_read_seq=seq
    )
    # Never moves backwards: reading an old post again does not make newer ones unread.
    await session.execute(
        upsert.on_conflict_do_update(
            index_elements=[col(ThreadRead.user_id), col(ThreadRead.thread_id)],
            set_={
                "last_read_seq": sa.func.greatest(
                    col(ThreadRead.last_read_seq), upsert.excluded.last_read_seq
                ),
                "updated_at": sa.func.now(),
            },
        )
    )
    unread = await session.scalar(
        select(sa.func.count())
        .select_from(Post)
        .where(
            col(Post.thread_id) == thread_id,
            col(Post.seq)
            > select(col(ThreadRead.last_read_seq))
            .where(
                col(ThreadRead.user_id) == actor.user_id,
                col(ThreadRead.thread_id) == thread_id,
            )
            .scalar_subquery(),
        )
    )
    return ReadState(thread_id=thread_id, unread_count=int(unread or 0))


async def mark_all_read(
    session: AsyncSession, *, actor: Actor, forum_id: uuid.UUID | None = None
) -> int:
    """Mark every thread read (of one forum, or of every forum the member may read)."""
    if forum_id is not None:
        await access_forum(session, actor, forum_id)
    threads: Any = (
        select(
            sa.literal(actor.user_id, sa.Uuid()).label("user_id"),
            col(Thread.id).label("thread_id"),
            col(Thread.last_post_seq).label("last_read_seq"),
        )
        .join(Forum, col(Forum.id) == col(Thread.forum_id))
        .where(readable_forum_clause(actor), col(Thread.last_post_seq) > 0)
    )
    if forum_id is not None:
        threads = threads.where(col(Thread.forum_id) == forum_id)
    upsert = pg_insert(ThreadRead).from_select(["user_id", "thread_id", "last_read_seq"], threads)
    result = await session.execute(
        upsert.on_conflict_do_update(
            index_elements=[col(ThreadRead.user_id), col(ThreadRead.thread_id)],
            set_={
                "last_read_seq": sa.func.greatest(
                    col(ThreadRead.last_read_seq), upsert.excluded.last_read_seq
                ),
                "updated_at": sa.func.now(),
            },
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def get_settings(session: AsyncSession, *, actor: Actor) -> ForumSettings:
    """The member's forum settings (defaults if never set)."""
    value = await session.scalar(
        select(col(ForumUserSettings.auto_follow)).where(
            col(ForumUserSettings.user_id) == actor.user_id
        )
    )
    return ForumSettings(auto_follow=value is not False)


async def update_settings(
    session: AsyncSession, *, actor: Actor, data: ForumSettings
) -> ForumSettings:
    """Change the member's forum settings."""
    upsert = pg_insert(ForumUserSettings).values(
        user_id=actor.user_id, auto_follow=data.auto_follow
    )
    await session.execute(
        upsert.on_conflict_do_update(
            index_elements=[col(ForumUserSettings.user_id)],
            set_={"auto_follow": upsert.excluded.auto_follow, "updated_at": sa.func.now()},
        )
    )
    return data


async def thread_followers(session: AsyncSession, thread_id: uuid.UUID) -> list[uuid.UUID]:
    """Members following a thread (explicitly, or through its forum unless they opted out)
    who may still read it. Two queries whatever the number of followers."""
    row = (
        await session.execute(
            select(Forum)
            .join(Thread, col(Thread.forum_id) == col(Forum.id))
            .where(col(Thread.id) == thread_id)
        )
    ).first()
    if row is None:
        return []
    forum: Forum = row[0]
    followers_of_thread = select(col(ThreadFollow.user_id)).where(
        col(ThreadFollow.thread_id) == thread_id, col(ThreadFollow.following).is_(True)
    )
    opted_out = select(col(ThreadFollow.user_id)).where(
        col(ThreadFollow.thread_id) == thread_id, col(ThreadFollow.following).is_(False)
    )
    followers_of_forum = select(col(ForumFollow.user_id)).where(
        col(ForumFollow.forum_id) == forum.id, col(ForumFollow.user_id).not_in(opted_out)
    )
    rows = await session.execute(
        select(col(User.id))
        .where(
            col(User.id).in_(followers_of_thread.union(followers_of_forum)),
            member_reads_forum_clause(forum),
        )
        .order_by(col(User.id))
    )
    return list(rows.scalars().all())
