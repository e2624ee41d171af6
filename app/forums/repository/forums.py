"""Forums: the page of those a reader may read with their counts, one forum, its audience."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from app.auth.actor import Actor
from app.core.pagination import Key, apply, decode_cursor, page
from app.forums.repository.audience import readable_forum_clause
from app.identity import service as identity_service
from app.models.directory import Authority, State
from app.models.forums import Forum, ForumFollow, ForumGroup, ForumGroupMember, Post, Thread
from app.models.forums import ThreadRead as ReadState

_MEMBERS = identity_service.member_rows()

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
                sa.select(_MEMBERS.c.authority_id)
                .join(ForumGroupMember, col(ForumGroupMember.user_id) == _MEMBERS.c.id)
                .where(col(ForumGroupMember.group_id) == col(ForumGroup.id))
            ),
        )
    )
    .correlate(ForumGroup)
    .scalar_subquery()
)
# (group name, group region, number of authorities), null for a forum without a group.
GROUP_COLUMNS: tuple[Any, ...] = (
    col(ForumGroup.name).label("group_name"),
    col(ForumGroup.region).label("group_region"),
    sa.case((col(ForumGroup.id).is_not(None), _GROUP_AUTHORITIES), else_=None).label(
        "group_authorities"
    ),
)


async def forums_page(
    session: AsyncSession,
    *,
    actor: Actor,
    limit: int,
    cursor: str | None,
    forum_id: uuid.UUID | None = None,
) -> tuple[list[Any], str | None]:
    """Rows (Forum, thread_count, last_activity_at, unread_threads, unread_count, following,
    group_name, group_region, group_authorities) of the forums the caller may read (or the
    one `forum_id`), by position and name: one query."""
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
            followed.label("following"),
            *GROUP_COLUMNS,
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
    return page(
        (await session.execute(stmt)).all(),
        limit,
        key=lambda r: (r[0].position, r[0].name, r[0].id),
    )


async def group_audience(session: AsyncSession, group_id: uuid.UUID) -> Any:
    """(group_name, group_region, group_authorities) of a group forum's audience."""
    return (
        await session.execute(sa.select(*GROUP_COLUMNS).where(col(ForumGroup.id) == group_id))
    ).one()


async def forum_by_id(session: AsyncSession, forum_id: uuid.UUID) -> Forum | None:
    return await session.get(Forum, forum_id)


async def forum_for_update(session: AsyncSession, forum_id: uuid.UUID) -> Forum | None:
    """The forum, its row locked."""
    return await session.get(Forum, forum_id, with_for_update=True)


async def readable_forum(session: AsyncSession, actor: Actor, forum_id: uuid.UUID) -> Any:
    """(Forum, whether the actor follows it) if the actor may read it, else None."""
    followed = sa.exists(
        select(sa.literal(1)).where(
            col(ForumFollow.forum_id) == col(Forum.id),
            col(ForumFollow.user_id) == actor.user_id,
        )
    )
    return (
        await session.execute(
            select(Forum, followed).where(col(Forum.id) == forum_id, readable_forum_clause(actor))
        )
    ).first()


async def forum_readable(session: AsyncSession, actor: Actor, forum_id: uuid.UUID) -> bool:
    """Whether the actor may read the forum."""
    stmt = select(
        sa.exists(
            select(sa.literal(1))
            .select_from(Forum)
            .where(col(Forum.id) == forum_id, readable_forum_clause(actor))
        )
    )
    return bool(await session.scalar(stmt))
