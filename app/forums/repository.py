"""Read queries of the forums domain: every list is ONE statement, whatever the page size.

Unread counts come from the reader's `last_read_seq` per thread: a thread has unread posts
when its `last_post_seq` is beyond it, and the count is an index range count on
(thread_id, seq), computed only for threads that have unread posts.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from app.auth.actor import Actor
from app.core.errors import NotFound
from app.core.pagination import Key, apply, decode_cursor, page
from app.forums import rules
from app.forums.access import readable_forum_clause
from app.forums.schemas import AudienceRead, ForumRead, PostRead, ThreadRead
from app.forums.views import author, post_read, quote_of
from app.models.directory import Authority, State
from app.models.forums import (
    Forum,
    ForumFollow,
    ForumGroup,
    ForumGroupMember,
    Post,
    Thread,
    ThreadFollow,
)
from app.models.forums import ThreadRead as ReadState
from app.models.identity import User

PageOf = tuple[list[Any], str | None]


def _last_read(actor: Actor) -> Any:
    """The reader's last read seq in the current `Thread` row (0 if never read)."""
    return sa.func.coalesce(
        select(col(ReadState.last_read_seq))
        .where(
            col(ReadState.thread_id) == col(Thread.id),
            col(ReadState.user_id) == actor.user_id,
        )
        # Correlated to the outer thread row even when nested in the count subquery.
        .correlate_except(ReadState)
        .scalar_subquery(),
        0,
    )


def _unread_posts(actor: Actor) -> Any:
    last_read = _last_read(actor)
    count = (
        select(sa.func.count())
        .select_from(Post)
        .where(col(Post.thread_id) == col(Thread.id), col(Post.seq) > last_read)
        .scalar_subquery()
    )
    return sa.case((col(Thread.last_post_seq) > last_read, count), else_=0)


def _first_unread_post(actor: Actor) -> Any:
    """The reader's first unread post of the current `Thread` row (where to resume reading)."""
    last_read = _last_read(actor)
    first = (
        select(col(Post.id))
        .where(col(Post.thread_id) == col(Thread.id), col(Post.seq) > last_read)
        .order_by(col(Post.seq))
        .limit(1)
        .scalar_subquery()
    )
    return sa.case((col(Thread.last_post_seq) > last_read, first), else_=None)


def _following_thread(actor: Actor) -> Any:
    """An explicit thread choice wins; otherwise following the forum follows its threads."""
    explicit = (
        select(col(ThreadFollow.following))
        .where(
            col(ThreadFollow.thread_id) == col(Thread.id),
            col(ThreadFollow.user_id) == actor.user_id,
        )
        .scalar_subquery()
    )
    via_forum = sa.exists(
        select(sa.literal(1)).where(
            col(ForumFollow.forum_id) == col(Thread.forum_id),
            col(ForumFollow.user_id) == actor.user_id,
        )
    )
    return sa.func.coalesce(explicit, via_forum)


def _thread_columns(actor: Actor) -> list[Any]:
    return [
        Thread,
        col(User.handle),
        col(User.full_name),
        _unread_posts(actor).label("unread"),
        _following_thread(actor).label("following"),
        _first_unread_post(actor).label("first_unread"),
    ]


def _thread_read(actor: Actor, row: Any) -> ThreadRead:
    thread: Thread = row[0]
    return ThreadRead(
        id=thread.id,
        forum_id=thread.forum_id,
        title=thread.title,
        tags=list(thread.tags),
        author=author(thread.author_id, row[1], row[2]),
        pinned=thread.pinned,
        locked=thread.locked,
        post_count=thread.post_count,
        unread_count=int(row[3] or 0),
        first_unread_post_id=row[5],
        following=bool(row[4]),
        allowed_actions=rules.thread_actions(actor, locked=thread.locked, pinned=thread.pinned),
        created_at=thread.created_at,
        last_activity_at=thread.last_activity_at,
    )


async def list_threads(
    session: AsyncSession,
    *,
    actor: Actor,
    forum_id: uuid.UUID,
    limit: int,
    cursor: str | None,
    tag: str | None = None,
) -> PageOf:
    """A forum's threads, pinned first, then by latest activity (forum access checked before)."""
    stmt = (
        sa.select(*_thread_columns(actor))
        .outerjoin(User, col(User.id) == col(Thread.author_id))
        .where(col(Thread.forum_id) == forum_id)
        .order_by(
            col(Thread.pinned).desc(), col(Thread.last_activity_at).desc(), col(Thread.id).desc()
        )
        .limit(limit + 1)
    )
    if tag:
        stmt = stmt.where(col(Thread.tags).contains([tag]))
    stmt = apply(
        stmt,
        (col(Thread.pinned), col(Thread.last_activity_at), col(Thread.id)),
        decode_cursor(cursor, Key.bool, Key.datetime, Key.uuid),
        descending=True,
    )
    rows = (await session.execute(stmt)).all()
    return page(
        [_thread_read(actor, r) for r in rows],
        limit,
        key=lambda t: (t.pinned, t.last_activity_at, t.id),
    )


async def get_thread(session: AsyncSession, *, actor: Actor, thread_id: uuid.UUID) -> ThreadRead:
    """One thread with the caller's unread count and follow state (readable checked in SQL)."""
    row = (
        await session.execute(
            sa.select(*_thread_columns(actor))
            .join(Forum, col(Forum.id) == col(Thread.forum_id))
            .outerjoin(User, col(User.id) == col(Thread.author_id))
            .where(col(Thread.id) == thread_id, readable_forum_clause(actor))
        )
    ).first()
    if row is None:
        raise NotFound("No such thread.", code="thread-not-found")
    return _thread_read(actor, row)


# Built once: aliasing the entities and building this select on every call cost about 3 ms
# of CPU per 50-post page (new column proxies each time; bench: 9 ms -> 5.5 ms a page).
_REPLY = aliased(Post, name="reply")
_REPLY_AUTHOR = aliased(User, name="reply_author")
_AUTHOR_AUTHORITY = aliased(Authority, name="author_authority")
_POSTS_PAGE = (
    sa.select(
        Post,
        col(User.handle),
        col(User.full_name),
        col(_REPLY.id),
        col(_REPLY.author_id),
        col(_REPLY_AUTHOR.handle),
        col(_REPLY_AUTHOR.full_name),
        sa.func.left(col(_REPLY.body), 400),
        col(_REPLY.hidden_at),
        col(_REPLY.deleted_at),
        col(_AUTHOR_AUTHORITY.name),
    )
    .outerjoin(User, col(User.id) == col(Post.author_id))
    .outerjoin(_AUTHOR_AUTHORITY, col(_AUTHOR_AUTHORITY.id) == col(User.authority_id))
    .outerjoin(_REPLY, col(_REPLY.id) == col(Post.reply_to_post_id))
    .outerjoin(_REPLY_AUTHOR, col(_REPLY_AUTHOR.id) == col(_REPLY.author_id))
    .order_by(col(Post.seq).asc())
)


async def list_posts(
    session: AsyncSession,
    *,
    actor: Actor,
    thread_id: uuid.UUID,
    thread_locked: bool,
    limit: int,
    cursor: str | None,
    from_seq: int | None = None,
) -> tuple[list[PostRead], str | None]:
    """A thread's posts in order, each with its author and the post it quotes (one query)."""
    stmt = _POSTS_PAGE.where(col(Post.thread_id) == thread_id).limit(limit + 1)
    if from_seq is not None:
        stmt = stmt.where(col(Post.seq) >= from_seq)
    stmt = apply(stmt, (col(Post.seq),), decode_cursor(cursor, Key.int))
    rows, next_cursor = page((await session.execute(stmt)).all(), limit, key=lambda r: (r[0].seq,))
    items: list[PostRead] = []
    for row in rows:
        quote = quote_of(
            actor,
            post_id=row[3],
            author_id=row[4],
            author_handle=row[5],
            author_name=row[6],
            body=row[7],
            hidden_at=row[8],
            deleted_at=row[9],
        )
        items.append(
            post_read(
                actor,
                row[0],
                author_handle=row[1],
                author_name=row[2],
                author_authority=row[10],
                thread_locked=thread_locked,
                quote=quote,
            )
        )
    return items, next_cursor


async def list_forums(
    session: AsyncSession,
    *,
    actor: Actor,
    limit: int,
    cursor: str | None,
    forum_id: uuid.UUID | None = None,
) -> tuple[list[ForumRead], str | None]:
    """The forums the caller may read (or the one `forum_id`), with thread counts, activity
    and unread counts."""
    reads = aliased(ReadState, name="r")
    forums = select(col(Forum.id)).where(readable_forum_clause(actor))
    if forum_id is not None:
        forums = forums.where(col(Forum.id) == forum_id)
    per_forum = (
        sa.select(
            col(Thread.forum_id).label("forum_id"),
            sa.func.count().label("thread_count"),
            sa.func.max(col(Thread.last_activity_at)).label("last_activity_at"),
            sa.func.count()
            .filter(col(Thread.last_post_seq) > sa.func.coalesce(col(reads.last_read_seq), 0))
            .label("unread_threads"),
            sa.func.coalesce(
                sa.func.sum(
                    select(sa.func.count())
                    .select_from(Post)
                    .where(
                        col(Post.thread_id) == col(Thread.id),
                        col(Post.seq) > sa.func.coalesce(col(reads.last_read_seq), 0),
                    )
                    .correlate(Thread, reads)
                    .scalar_subquery()
                ),
                0,
            ).label("unread_count"),
        )
        .outerjoin(
            reads,
            sa.and_(col(reads.thread_id) == col(Thread.id), col(reads.user_id) == actor.user_id),
        )
        .where(col(Thread.forum_id).in_(forums))
        .group_by(col(Thread.forum_id))
        .subquery("per_forum")
    )
    followed = sa.exists(
        select(sa.literal(1)).where(
            col(ForumFollow.forum_id) == col(Forum.id), col(ForumFollow.user_id) == actor.user_id
        )
    )
    stmt = (
        sa.select(
            Forum,
            per_forum.c.thread_count,
            per_forum.c.last_activity_at,
            per_forum.c.unread_threads,
            per_forum.c.unread_count,
            followed,
            *_GROUP_COLUMNS,
        )
        .outerjoin(per_forum, per_forum.c.forum_id == col(Forum.id))
        .outerjoin(ForumGroup, col(ForumGroup.id) == col(Forum.group_id))
        .where(readable_forum_clause(actor))
        .order_by(col(Forum.position).asc(), col(Forum.name).asc(), col(Forum.id).asc())
        .limit(limit + 1)
    )
    if forum_id is not None:
        stmt = stmt.where(col(Forum.id) == forum_id)
    stmt = apply(
        stmt,
        (col(Forum.position), col(Forum.name), col(Forum.id)),
        decode_cursor(cursor, Key.int4, Key.str, Key.uuid),
    )
    rows, next_cursor = page(
        (await session.execute(stmt)).all(),
        limit,
        key=lambda r: (r[0].position, r[0].name, r[0].id),
    )
    items = [
        forum_read(
            actor,
            r[0],
            audience=_audience(r[0], r[6], r[7], r[8]),
            thread_count=r[1],
            last_activity_at=r[2],
            unread_threads=r[3],
            unread_count=r[4],
            following=r[5],
        )
        for r in rows
    ]
    return items, next_cursor


# The authorities whose members read a group's forums: those of the group's region, and
# those of its explicit members. Correlated to the outer `ForumGroup` row.
_GROUP_AUTHORITIES = (
    select(sa.func.count())
    .select_from(Authority)
    .join(State, col(State.code) == col(Authority.state_code))
    .where(
        sa.or_(
            col(ForumGroup.region).in_(
                [col(State.region), col(State.subregion), col(State.intermediate_region)]
            ),
            col(Authority.id).in_(
                select(col(User.authority_id))
                .join(ForumGroupMember, col(ForumGroupMember.user_id) == col(User.id))
                .where(col(ForumGroupMember.group_id) == col(ForumGroup.id))
            ),
        )
    )
    .correlate(ForumGroup)
    .scalar_subquery()
)
_GROUP_COLUMNS = (
    col(ForumGroup.name),
    col(ForumGroup.region),
    sa.case((col(ForumGroup.id).is_not(None), _GROUP_AUTHORITIES), else_=None),
)


def _audience(
    forum: Forum, group_name: str | None, region: str | None, authorities: int | None
) -> AudienceRead:
    if forum.audience_kind != "group":
        return AudienceRead(kind=forum.audience_kind)
    return AudienceRead(
        kind="group",
        group_id=forum.group_id,
        group_name=group_name,
        group_region=region,
        authority_count=int(authorities or 0),
    )


async def forum_audience(session: AsyncSession, forum: Forum) -> AudienceRead:
    """A forum's audience with its group's name and number of authorities (one query for a
    group forum, none otherwise)."""
    if forum.group_id is None:
        return _audience(forum, None, None, None)
    row = (
        await session.execute(
            sa.select(*_GROUP_COLUMNS).where(col(ForumGroup.id) == forum.group_id)
        )
    ).one()
    return _audience(forum, row[0], row[1], row[2])


def forum_read(
    actor: Actor,
    forum: Forum,
    *,
    audience: AudienceRead,
    thread_count: int | None = 0,
    last_activity_at: datetime | None = None,
    unread_threads: int | None = 0,
    unread_count: int | None = 0,
    following: bool | None = False,
) -> ForumRead:
    return ForumRead(
        id=forum.id,
        name=forum.name,
        description=forum.description,
        audience=audience,
        position=forum.position,
        thread_count=int(thread_count or 0),
        last_activity_at=last_activity_at,
        unread_threads=int(unread_threads or 0),
        unread_count=int(unread_count or 0),
        following=bool(following),
        allowed_actions=rules.forum_actions(actor),
        created_at=forum.created_at,
    )
