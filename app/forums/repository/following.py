"""A member's bookkeeping: follows, read markers, the auto-follow setting; and who follows a
thread."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.auth.actor import Actor
from app.forums.repository.audience import member_reads_forum, readable_forum_clause
from app.identity import service as identity_service
from app.models.forums import Forum, ForumFollow, ForumUserSettings, Post, Thread, ThreadFollow
from app.models.forums import ThreadRead as ReadState

_MEMBERS = identity_service.member_rows()


async def save_thread_following(
    session: AsyncSession, *, user_id: uuid.UUID | None, thread_id: uuid.UUID, following: bool
) -> None:
    """Record an explicit follow or unfollow of a thread (the latest choice wins)."""
    upsert = pg_insert(ThreadFollow).values(
        user_id=user_id, thread_id=thread_id, following=following
    )
    await session.execute(
        upsert.on_conflict_do_update(
            index_elements=[col(ThreadFollow.user_id), col(ThreadFollow.thread_id)],
            set_={"following": upsert.excluded.following, "updated_at": sa.func.now()},
        )
    )


async def add_forum_follow(
    session: AsyncSession, *, user_id: uuid.UUID | None, forum_id: uuid.UUID
) -> None:
    await session.execute(
        pg_insert(ForumFollow).values(user_id=user_id, forum_id=forum_id).on_conflict_do_nothing()
    )


async def delete_forum_follow(
    session: AsyncSession, *, user_id: uuid.UUID | None, forum_id: uuid.UUID
) -> None:
    await session.execute(
        sa.delete(ForumFollow).where(
            col(ForumFollow.user_id) == user_id, col(ForumFollow.forum_id) == forum_id
        )
    )


def _never_backwards(upsert: Any) -> Any:
    # Reading an old post again does not make newer ones unread.
    return upsert.on_conflict_do_update(
        index_elements=[col(ReadState.user_id), col(ReadState.thread_id)],
        set_={
            "last_read_seq": sa.func.greatest(
                col(ReadState.last_read_seq), upsert.excluded.last_read_seq
            ),
            "updated_at": sa.func.now(),
        },
    )


async def advance_read_marker(
    session: AsyncSession, *, user_id: uuid.UUID | None, thread_id: uuid.UUID, seq: int
) -> None:
    """Move the member's read marker of the thread to `seq`, never backwards."""
    upsert = pg_insert(ReadState).values(user_id=user_id, thread_id=thread_id, last_read_seq=seq)
    await session.execute(_never_backwards(upsert))


async def unread_count(
    session: AsyncSession, *, user_id: uuid.UUID | None, thread_id: uuid.UUID
) -> int:
    """Posts of the thread beyond the member's read marker."""
    unread = await session.scalar(
        select(sa.func.count())
        .select_from(Post)
        .where(
            col(Post.thread_id) == thread_id,
            col(Post.seq)
            > select(col(ReadState.last_read_seq))
            .where(col(ReadState.user_id) == user_id, col(ReadState.thread_id) == thread_id)
            .scalar_subquery(),
        )
    )
    return int(unread or 0)


async def mark_threads_read(
    session: AsyncSession, *, actor: Actor, forum_id: uuid.UUID | None
) -> int:
    """Move the actor's read markers to the end of every thread they may read (of one forum,
    or of all); returns how many markers were written."""
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
    upsert = pg_insert(ReadState).from_select(["user_id", "thread_id", "last_read_seq"], threads)
    result = await session.execute(_never_backwards(upsert))
    return int(getattr(result, "rowcount", 0) or 0)


async def auto_follow_setting(session: AsyncSession, user_id: uuid.UUID | None) -> bool | None:
    """The member's auto-follow setting (None if never set)."""
    return await session.scalar(
        select(col(ForumUserSettings.auto_follow)).where(col(ForumUserSettings.user_id) == user_id)
    )


async def save_auto_follow(
    session: AsyncSession, *, user_id: uuid.UUID | None, auto_follow: bool
) -> None:
    upsert = pg_insert(ForumUserSettings).values(user_id=user_id, auto_follow=auto_follow)
    await session.execute(
        upsert.on_conflict_do_update(
            index_elements=[col(ForumUserSettings.user_id)],
            set_={"auto_follow": upsert.excluded.auto_follow, "updated_at": sa.func.now()},
        )
    )


async def follower_ids_reading_forum(
    session: AsyncSession, *, thread_id: uuid.UUID, forum: Forum
) -> list[uuid.UUID]:
    """Members following the thread (explicitly, or through its forum unless they opted out)
    who may read `forum`, the thread's forum, by id (one query)."""
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
        sa.select(_MEMBERS.c.id)
        .where(
            _MEMBERS.c.id.in_(followers_of_thread.union(followers_of_forum)),
            member_reads_forum(_MEMBERS, forum),
        )
        .order_by(_MEMBERS.c.id)
    )
    return list(rows.scalars().all())


async def readers_of_thread(
    session: AsyncSession, thread_id: uuid.UUID, member_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """Those of `member_ids` who may read the thread now (its forum's audience, in good
    standing): one query for the forum, one for all the members."""
    forum = await session.scalar(
        select(Forum)
        .join(Thread, col(Thread.forum_id) == col(Forum.id))
        .where(col(Thread.id) == thread_id)
    )
    if forum is None or not member_ids:
        return set()
    rows = await session.execute(
        sa.select(_MEMBERS.c.id).where(
            _MEMBERS.c.id.in_(list(member_ids)), member_reads_forum(_MEMBERS, forum)
        )
    )
    return set(rows.scalars().all())
