"""Threads: a forum's page of them, one thread, the threads a member follows, and the one
access query every post and page of a thread starts with.

Unread counts come from the reader's `last_read_seq` per thread: a thread has unread posts
when its `last_post_seq` is beyond it, and the count is an index range count on
(thread_id, seq), computed only for threads that have unread posts.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.auth.actor import Actor
from app.core.pagination import Key, apply, decode_cursor, page
from app.db import Prepared, read, transactional
from app.forums.repository.audience import (
    READER_AUTHORITY_ID,
    READER_ID,
    VARIANTS,
    readable_by,
    readable_forum_clause,
    reader_params,
    reader_variant,
)
from app.identity import service as identity_service
from app.models.directory import Authority
from app.models.forums import Forum, ForumFollow, ForumUserSettings, Post, Thread, ThreadFollow
from app.models.forums import ThreadRead as ReadState

PageOf = tuple[list[Any], str | None]

_AUTHOR = identity_service.member_rows("author")


def last_read_seq(reader_id: Any) -> Any:
    """The reader's last read seq in the current `Thread` row (0 if never read)."""
    return sa.func.coalesce(
        select(col(ReadState.last_read_seq))
        .where(col(ReadState.thread_id) == col(Thread.id), col(ReadState.user_id) == reader_id)
        # Correlated to the outer thread row even when nested in the count subquery.
        .correlate_except(ReadState)
        .scalar_subquery(),
        0,
    )


def _unread_posts(reader_id: Any) -> Any:
    last_read = last_read_seq(reader_id)
    count = (
        select(sa.func.count())
        .select_from(Post)
        .where(col(Post.thread_id) == col(Thread.id), col(Post.seq) > last_read)
        .scalar_subquery()
    )
    return sa.case((col(Thread.last_post_seq) > last_read, count), else_=0)


def _first_unread_post(reader_id: Any) -> Any:
    """The reader's first unread post of the current `Thread` row (where to resume reading)."""
    last_read = last_read_seq(reader_id)
    first = (
        select(col(Post.id))
        .where(col(Post.thread_id) == col(Thread.id), col(Post.seq) > last_read)
        .order_by(col(Post.seq))
        .limit(1)
        .scalar_subquery()
    )
    return sa.case((col(Thread.last_post_seq) > last_read, first), else_=None)


def _following_thread(reader_id: Any) -> Any:
    """An explicit thread choice wins; otherwise following the forum follows its threads."""
    explicit = (
        select(col(ThreadFollow.following))
        .where(
            col(ThreadFollow.thread_id) == col(Thread.id),
            col(ThreadFollow.user_id) == reader_id,
        )
        .scalar_subquery()
    )
    via_forum = sa.exists(
        select(sa.literal(1)).where(
            col(ForumFollow.forum_id) == col(Thread.forum_id),
            col(ForumFollow.user_id) == reader_id,
        )
    )
    return sa.func.coalesce(explicit, via_forum)


def tagged(tag: str) -> sa.ColumnElement[bool]:
    """Threads carrying `tag`. The tag test implies `tags <> '{}'`, but PostgreSQL cannot
    prove it, and the tag index holds only the threads that have a tag (its predicate): the
    query says it so that the index can serve it."""
    return sa.and_(col(Thread.tags) != sa.literal_column("'{}'"), col(Thread.tags).contains([tag]))


def _thread_columns(reader_id: Any) -> list[Any]:
    return [
        Thread,
        _AUTHOR.c.handle.label("author_handle"),
        _AUTHOR.c.full_name.label("author_name"),
        _unread_posts(reader_id).label("unread"),
        _following_thread(reader_id).label("following"),
        _first_unread_post(reader_id).label("first_unread"),
    ]


async def threads_page(
    session: AsyncSession,
    *,
    actor: Actor,
    forum_id: uuid.UUID,
    limit: int,
    cursor: str | None,
    tag: str | None = None,
) -> PageOf:
    """Rows (Thread, author_handle, author_name, unread, following, first_unread) of a
    forum's threads, pinned first, then by latest activity (forum access checked before)."""
    stmt = (
        sa.select(*_thread_columns(actor.user_id))
        .outerjoin(_AUTHOR, _AUTHOR.c.id == col(Thread.author_id))
        .where(col(Thread.forum_id) == forum_id)
        .order_by(
            col(Thread.pinned).desc(), col(Thread.last_activity_at).desc(), col(Thread.id).desc()
        )
        .limit(limit + 1)
    )
    if tag:
        stmt = stmt.where(tagged(tag))
    stmt = apply(
        stmt,
        (col(Thread.pinned), col(Thread.last_activity_at), col(Thread.id)),
        decode_cursor(cursor, Key.bool, Key.datetime, Key.uuid),
        descending=True,
    )
    rows = (await session.execute(stmt)).all()
    return page(rows, limit, key=lambda r: (r[0].pinned, r[0].last_activity_at, r[0].id))


# A thread's page reads the thread on every load: built once per kind of reader.
_READABLE_THREAD = {
    variant: sa.select(*_thread_columns(READER_ID))
    .join(Forum, col(Forum.id) == col(Thread.forum_id))
    .outerjoin(_AUTHOR, _AUTHOR.c.id == col(Thread.author_id))
    .where(
        col(Thread.id) == sa.bindparam("thread_id"),
        readable_by(variant, READER_ID, READER_AUTHORITY_ID, one_forum=True),
    )
    for variant in VARIANTS
}


async def readable_thread(session: AsyncSession, *, actor: Actor, thread_id: uuid.UUID) -> Any:
    """The row of `threads_page` for one thread the actor may read, or None."""
    variant = reader_variant(actor)
    if variant is None:
        return None
    params = {"thread_id": thread_id, **reader_params(actor)}
    return (await session.execute(_READABLE_THREAD[variant], params)).first()


def _access_thread_statement(variant: str) -> Any:
    return (
        sa.select(Thread, Forum)
        .join(Forum, col(Forum.id) == col(Thread.forum_id))
        .where(
            col(Thread.id) == sa.bindparam("thread_id"),
            readable_by(variant, READER_ID, READER_AUTHORITY_ID, one_forum=True),
        )
    )


# Every moderator's action on a thread starts here.
_THREAD_ACCESS = {variant: _access_thread_statement(variant) for variant in VARIANTS}


def _reply_access_statement(variant: str) -> Prepared:
    reader = identity_service.member_rows("reader")
    return Prepared(
        sa.select(
            col(Thread.title),
            col(Thread.locked),
            col(Forum.id).label("forum_id"),
            col(Forum.audience_kind),
            col(Forum.group_id),
            col(ForumUserSettings.auto_follow),
            # The caller's display name and authority, for the post they are about to write.
            sa.select(reader.c.full_name)
            .where(reader.c.id == READER_ID)
            .scalar_subquery()
            .label("actor_name"),
            select(col(Authority.name))
            .where(col(Authority.id) == READER_AUTHORITY_ID)
            .scalar_subquery()
            .label("actor_authority"),
        )
        .join(Forum, col(Forum.id) == col(Thread.forum_id))
        .outerjoin(ForumUserSettings, col(ForumUserSettings.user_id) == READER_ID)
        .where(
            col(Thread.id) == sa.bindparam("thread_id"),
            readable_by(variant, READER_ID, READER_AUTHORITY_ID, one_forum=True),
        )
    )


# Every reply starts here: columns, not entities (the ORM's loading was most of a reply's
# access check). As the transaction's first statement it sends BEGIN on the driver first
# (app.db.transactional); the reply's later statements follow it there.
_REPLY_ACCESS = {variant: _reply_access_statement(variant) for variant in VARIANTS}


async def reply_access_row(session: AsyncSession, actor: Actor, thread_id: uuid.UUID) -> Any:
    """(title, locked, forum_id, audience_kind, group_id, auto_follow, actor_name,
    actor_authority) of a thread the actor may read, else None: the first statement of the
    reply's transaction."""
    variant = reader_variant(actor)
    if variant is None:
        return None
    params = {"thread_id": thread_id, **reader_params(actor)}
    return (await transactional(session, _REPLY_ACCESS[variant], params)).first()


async def thread_access_row(session: AsyncSession, actor: Actor, thread_id: uuid.UUID) -> Any:
    """(Thread, Forum) if the actor may read the thread, else None (one query; the entities,
    for a moderator's change to the thread)."""
    variant = reader_variant(actor)
    if variant is None:
        return None
    params = {"thread_id": thread_id, **reader_params(actor)}
    return (await session.execute(_THREAD_ACCESS[variant], params)).first()


def _thread_locked_statement(variant: str) -> Prepared:
    return Prepared(
        sa.select(col(Thread.locked))
        .join(Forum, col(Forum.id) == col(Thread.forum_id))
        .where(
            col(Thread.id) == sa.bindparam("thread_id"),
            readable_by(variant, READER_ID, READER_AUTHORITY_ID, one_forum=True),
        )
    )


# A page of posts needs no more of its thread than this: columns, so that a request that
# only reads runs it (and the page after it) outside a transaction, on the driver.
_THREAD_LOCKED = {variant: _thread_locked_statement(variant) for variant in VARIANTS}


async def thread_locked_if_readable(
    session: AsyncSession, actor: Actor, thread_id: uuid.UUID
) -> bool | None:
    """Whether the thread is locked, if the actor may read it; None if they may not."""
    variant = reader_variant(actor)
    if variant is None:
        return None
    params = {"thread_id": thread_id, **reader_params(actor)}
    row = (await read(session, _THREAD_LOCKED[variant], params)).first()
    return None if row is None else bool(row.locked)


async def thread_readable(session: AsyncSession, actor: Actor, thread_id: uuid.UUID) -> bool:
    """Whether the actor may read the thread (the audience of its forum)."""
    stmt = select(
        sa.exists(
            select(sa.literal(1))
            .select_from(Thread)
            .join(Forum, col(Forum.id) == col(Thread.forum_id))
            .where(col(Thread.id) == thread_id, readable_forum_clause(actor))
        )
    )
    return bool(await session.scalar(stmt))


async def thread_by_id(session: AsyncSession, thread_id: uuid.UUID) -> Thread | None:
    return await session.get(Thread, thread_id)


async def forum_id_of_thread(session: AsyncSession, thread_id: uuid.UUID) -> uuid.UUID | None:
    return await session.scalar(select(col(Thread.forum_id)).where(col(Thread.id) == thread_id))


# Who reads a thread's or a forum's events: its forum's audience as columns (a ForumAudience),
# on the driver. Every event about a thread or forum asks it, once per batch of events.
_AUDIENCE_COLUMNS = (col(Forum.audience_kind), col(Forum.group_id))
_AUDIENCE_OF_THREAD = Prepared(
    sa.select(*_AUDIENCE_COLUMNS)
    .join(Thread, col(Thread.forum_id) == col(Forum.id))
    .where(col(Thread.id) == sa.bindparam("thread_id", type_=sa.Uuid()))
)
_AUDIENCE_OF_FORUM = Prepared(
    sa.select(*_AUDIENCE_COLUMNS).where(col(Forum.id) == sa.bindparam("forum_id", type_=sa.Uuid()))
)


async def audience_of_thread(session: AsyncSession, thread_id: uuid.UUID) -> Any | None:
    """(audience_kind, group_id) of the thread's forum, or None if there is no such thread."""
    return (await read(session, _AUDIENCE_OF_THREAD, {"thread_id": thread_id})).first()


async def audience_of_forum(session: AsyncSession, forum_id: uuid.UUID) -> Any | None:
    """(audience_kind, group_id) of the forum, or None if there is no such forum."""
    return (await read(session, _AUDIENCE_OF_FORUM, {"forum_id": forum_id})).first()


async def forum_of_thread(session: AsyncSession, thread_id: uuid.UUID) -> Forum | None:
    return await session.scalar(
        select(Forum)
        .join(Thread, col(Thread.forum_id) == col(Forum.id))
        .where(col(Thread.id) == thread_id)
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


async def followed_threads_page(
    session: AsyncSession, *, actor: Actor, limit: int, cursor: str | None
) -> PageOf:
    """Rows (Thread, forum name, unread count, has unread) of the threads the actor follows
    and may still read: those with unread posts first, then by latest activity."""
    last_read = last_read_seq(actor.user_id)
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
    return page(
        (await session.execute(stmt)).all(),
        limit,
        key=lambda r: (bool(r[3]), r[0].last_activity_at, r[0].id),
    )
