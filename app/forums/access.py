"""What the caller may reach: a forum, a thread or a post they may read, or a 404.

Something the caller may not read is reported as missing (404), never as forbidden: the
audience rule itself is SQL, in repository/audience.py, so every list, count and search
filters by it in the query.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.forums import repository
from app.forums.exceptions import ForumNotFound, PostNotFound, ThreadNotFound
from app.models.forums import Forum, Post, Thread


async def can_read_forum(session: AsyncSession, actor: Actor, forum_id: uuid.UUID) -> bool:
    return await repository.forum_readable(session, actor, forum_id)


async def can_read_thread(session: AsyncSession, actor: Actor, thread_id: uuid.UUID) -> bool:
    return await repository.thread_readable(session, actor, thread_id)


@dataclass(frozen=True, slots=True)
class ForumAccess:
    forum: Forum
    following: bool


async def access_forum(session: AsyncSession, actor: Actor, forum_id: uuid.UUID) -> ForumAccess:
    """The forum if the actor may read it (with whether they follow it), else 404."""
    row = await repository.readable_forum(session, actor, forum_id)
    if row is None:
        raise ForumNotFound()
    return ForumAccess(forum=row[0], following=bool(row[1]))


@dataclass(frozen=True, slots=True)
class ThreadAccess:
    thread: Thread
    forum: Forum


async def access_thread(session: AsyncSession, actor: Actor, thread_id: uuid.UUID) -> ThreadAccess:
    """The thread and its forum if the actor may read them, else 404 (one query): the
    entities, for a moderator's change to the thread (a reply uses `access_reply`)."""
    row = await repository.thread_access_row(session, actor, thread_id)
    if row is None:
        raise ThreadNotFound()
    return ThreadAccess(thread=row[0], forum=row[1])


@dataclass(frozen=True, slots=True)
class ReplyAccess:
    """What a reply needs of its thread, its forum and its author: columns, no entities."""

    thread_id: uuid.UUID
    title: str
    locked: bool
    forum_id: uuid.UUID
    audience_kind: str  # with group_id, the forum's audience (whom a mention may reach)
    group_id: uuid.UUID | None
    auto_follow: bool
    actor_name: str | None
    actor_authority: str | None


async def access_reply(session: AsyncSession, actor: Actor, thread_id: uuid.UUID) -> ReplyAccess:
    """The thread to reply in if the actor may read it, else 404 (one statement, the first
    of the reply's transaction)."""
    row = await repository.reply_access_row(session, actor, thread_id)
    if row is None:
        raise ThreadNotFound()
    return ReplyAccess(
        thread_id=thread_id,
        title=row.title,
        locked=bool(row.locked),
        forum_id=row.forum_id,
        audience_kind=row.audience_kind,
        group_id=row.group_id,
        auto_follow=row.auto_follow is not False,
        actor_name=row.actor_name,
        actor_authority=row.actor_authority,
    )


async def ensure_thread_readable(session: AsyncSession, actor: Actor, thread_id: uuid.UUID) -> None:
    """Nothing if the actor may read the thread, else 404 (one statement of columns)."""
    await readable_thread_locked(session, actor, thread_id)


async def readable_thread_locked(session: AsyncSession, actor: Actor, thread_id: uuid.UUID) -> bool:
    """Whether a thread the actor may read is locked, else 404: all that a page of its posts
    needs, in one statement of columns (no ORM entities, no transaction for a GET)."""
    locked = await repository.thread_locked_if_readable(session, actor, thread_id)
    if locked is None:
        raise ThreadNotFound()
    return locked


@dataclass(frozen=True, slots=True)
class PostAccess:
    post: Post
    thread: Thread
    forum: Forum


async def access_post(
    session: AsyncSession, actor: Actor, post_id: uuid.UUID, *, for_update: bool = False
) -> PostAccess:
    """The post with its thread and forum if the actor may read them, else 404."""
    row = await repository.post_access_row(session, actor, post_id, for_update=for_update)
    if row is None:
        raise PostNotFound()
    return PostAccess(post=row[0], thread=row[1], forum=row[2])
