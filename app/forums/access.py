"""Who may read which forum, as SQL: every list, count and search filters in the query itself.

A forum's audience is the whole network, a group (explicit members, plus every member whose
authority's state lies in the group's region), or moderators only. Moderators read every
forum (they moderate them all). Auditors hold no forum permission at all (separation of
duties). Something the caller may not read is reported as missing (404), never as forbidden.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select

from app.auth.actor import Actor
from app.auth.permissions import ROLE_PERMISSIONS, Permission
from app.core.errors import NotFound
from app.models.directory import Authority, State
from app.models.forums import (
    Forum,
    ForumFollow,
    ForumGroup,
    ForumGroupMember,
    ForumUserSettings,
    Post,
    Thread,
)
from app.models.identity import User

READER_ROLES = sorted(r.value for r, p in ROLE_PERMISSIONS.items() if Permission.FORUM_READ in p)
MODERATOR_ROLES = sorted(
    r.value for r, p in ROLE_PERMISSIONS.items() if Permission.FORUM_MODERATE in p
)


def is_moderator(actor: Actor) -> bool:
    return actor.can(Permission.FORUM_MODERATE)


def _region_matches(authority_id: Any) -> ColumnElement[bool]:
    """The group's region is the M49 region, sub-region or intermediate region of the state
    of `authority_id`."""
    return sa.exists(
        select(sa.literal(1))
        .select_from(Authority)
        .join(State, col(State.code) == col(Authority.state_code))
        .where(
            col(Authority.id) == authority_id,
            col(ForumGroup.region).in_(
                [col(State.region), col(State.subregion), col(State.intermediate_region)]
            ),
        )
    )


def readable_forum_clause(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause on `forums` true for exactly the forums the actor may read."""
    variant = reader_variant(actor)
    if variant is None:
        return sa.false()
    return _readable_by(
        variant, sa.literal(actor.user_id, sa.Uuid()), sa.literal(actor.authority_id, sa.Uuid())
    )


Variant = str  # "all" (moderators), "member", "member-without-authority"


def reader_variant(actor: Actor) -> Variant | None:
    """Which kind of reader the actor is for the forum rules (None: they read nothing)."""
    if actor.user_id is None or not actor.can(Permission.FORUM_READ):
        return None
    if is_moderator(actor):
        return "all"
    return "member" if actor.authority_id is not None else "member-without-authority"


def reader_params(actor: Actor) -> dict[str, Any]:
    """The bound parameters of a statement built with `_READER_ID`/`_READER_AUTHORITY_ID`."""
    return {"reader_id": actor.user_id, "reader_authority_id": actor.authority_id}


def _readable_by(variant: Variant, reader_id: Any, reader_authority_id: Any) -> ColumnElement[bool]:
    """The one definition of who reads which forum: network forums; group forums of the
    groups the reader belongs to, explicitly or through their authority's region."""
    if variant == "all":
        return sa.true()
    groups: Any = select(col(ForumGroupMember.group_id)).where(
        col(ForumGroupMember.user_id) == reader_id
    )
    if variant == "member":
        groups = groups.union(
            select(col(ForumGroup.id)).where(
                col(ForumGroup.region).is_not(None), _region_matches(reader_authority_id)
            )
        )
    return sa.or_(
        col(Forum.audience_kind) == "network",
        sa.and_(col(Forum.audience_kind) == "group", col(Forum.group_id).in_(groups)),
    )


def _active_member() -> ColumnElement[bool]:
    return sa.and_(
        col(User.status) == "active",
        sa.or_(
            col(User.vetting_expires_at).is_(None),
            col(User.vetting_expires_at) > datetime.now(UTC),
        ),
    )


def _has_role(roles: list[str]) -> ColumnElement[bool]:
    return col(User.roles).overlap(sa.cast(sa.literal(roles), col(User.roles).type))  # type: ignore[attr-defined]


def member_reads_forum_clause(forum: Forum) -> ColumnElement[bool]:
    """A WHERE clause on `users` true for the members who may read `forum` (mentions, follows)."""
    moderator = _has_role(MODERATOR_ROLES)
    if forum.audience_kind == "network":
        audience = _has_role(READER_ROLES)
    elif forum.audience_kind == "group" and forum.group_id is not None:
        in_group = sa.or_(
            sa.exists(
                select(sa.literal(1)).where(
                    col(ForumGroupMember.group_id) == forum.group_id,
                    col(ForumGroupMember.user_id) == col(User.id),
                )
            ),
            sa.exists(
                select(sa.literal(1))
                .select_from(ForumGroup)
                .where(
                    col(ForumGroup.id) == forum.group_id,
                    col(ForumGroup.region).is_not(None),
                    _region_matches(col(User.authority_id)),
                )
            ),
        )
        audience = sa.or_(moderator, sa.and_(_has_role(READER_ROLES), in_group))
    else:
        audience = moderator
    return sa.and_(_active_member(), audience)


async def can_read_forum(session: AsyncSession, actor: Actor, forum_id: uuid.UUID) -> bool:
    stmt = select(
        sa.exists(
            select(sa.literal(1))
            .select_from(Forum)
            .where(col(Forum.id) == forum_id, readable_forum_clause(actor))
        )
    )
    return bool(await session.scalar(stmt))


async def can_read_thread(session: AsyncSession, actor: Actor, thread_id: uuid.UUID) -> bool:
    stmt = select(
        sa.exists(
            select(sa.literal(1))
            .select_from(Thread)
            .join(Forum, col(Forum.id) == col(Thread.forum_id))
            .where(col(Thread.id) == thread_id, readable_forum_clause(actor))
        )
    )
    return bool(await session.scalar(stmt))


@dataclass(frozen=True, slots=True)
class ForumAccess:
    forum: Forum
    following: bool


async def access_forum(session: AsyncSession, actor: Actor, forum_id: uuid.UUID) -> ForumAccess:
    """The forum if the actor may read it (with whether they follow it), else 404."""
    followed = sa.exists(
        select(sa.literal(1)).where(
            col(ForumFollow.forum_id) == col(Forum.id),
            col(ForumFollow.user_id) == actor.user_id,
        )
    )
    row = (
        await session.execute(
            select(Forum, followed).where(col(Forum.id) == forum_id, readable_forum_clause(actor))
        )
    ).first()
    if row is None:
        raise NotFound("No such forum.", code="forum-not-found")
    return ForumAccess(forum=row[0], following=bool(row[1]))


@dataclass(frozen=True, slots=True)
class ThreadAccess:
    thread: Thread
    forum: Forum
    auto_follow: bool
    actor_name: str | None = None
    actor_authority: str | None = None


async def access_thread(session: AsyncSession, actor: Actor, thread_id: uuid.UUID) -> ThreadAccess:
    """The thread and its forum if the actor may read them, else 404 (one query)."""
    variant = reader_variant(actor)
    if variant is None:
        raise NotFound("No such thread.", code="thread-not-found")
    row = (
        await session.execute(
            _ACCESS_THREAD[variant], {"thread_id": thread_id, **reader_params(actor)}
        )
    ).first()
    if row is None:
        raise NotFound("No such thread.", code="thread-not-found")
    return ThreadAccess(
        thread=row[0],
        forum=row[1],
        auto_follow=row[2] is not False,
        actor_name=row[3],
        actor_authority=row[4],
    )


# Every post and every page of a thread starts here: the statement is built once per kind of
# reader, with the reader as bound parameters, instead of once per request.
_READER_ID = sa.bindparam("reader_id", type_=sa.Uuid())
_READER_AUTHORITY_ID = sa.bindparam("reader_authority_id", type_=sa.Uuid())


def _access_thread_statement(variant: Variant) -> Any:
    return (
        sa.select(
            Thread,
            Forum,
            col(ForumUserSettings.auto_follow),
            # The caller's display name and authority, for the post they may be about to write.
            select(col(User.full_name)).where(col(User.id) == _READER_ID).scalar_subquery(),
            select(col(Authority.name))
            .where(col(Authority.id) == _READER_AUTHORITY_ID)
            .scalar_subquery(),
        )
        .join(Forum, col(Forum.id) == col(Thread.forum_id))
        .outerjoin(ForumUserSettings, col(ForumUserSettings.user_id) == _READER_ID)
        .where(
            col(Thread.id) == sa.bindparam("thread_id"),
            _readable_by(variant, _READER_ID, _READER_AUTHORITY_ID),
        )
    )


_ACCESS_THREAD = {
    variant: _access_thread_statement(variant)
    for variant in ("all", "member", "member-without-authority")
}


@dataclass(frozen=True, slots=True)
class PostAccess:
    post: Post
    thread: Thread
    forum: Forum


async def access_post(
    session: AsyncSession, actor: Actor, post_id: uuid.UUID, *, for_update: bool = False
) -> PostAccess:
    """The post with its thread and forum if the actor may read them, else 404."""
    stmt = (
        select(Post, Thread, Forum)
        .join(Thread, col(Thread.id) == col(Post.thread_id))
        .join(Forum, col(Forum.id) == col(Thread.forum_id))
        .where(col(Post.id) == post_id, readable_forum_clause(actor))
    )
    if for_update:
        stmt = stmt.with_for_update(of=Post)
    row = (await session.execute(stmt)).first()
    if row is None:
        raise NotFound("No such post.", code="post-not-found")
    return PostAccess(post=row[0], thread=row[1], forum=row[2])
