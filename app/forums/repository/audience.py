"""Who reads which forum, as SQL: every list, count and search filters in the query itself.

A forum's audience is the whole network, a group (explicit members, plus every member whose
authority's state lies in the group's region), or moderators only. Moderators read every
forum (they moderate them all). Auditors hold no forum permission at all (separation of
duties).

Two directions of the one rule: `readable_by` (the forums a given reader may read, a clause on
`forums`) and `member_reads_forum` (the members who may read a given forum, a clause on
identity's `member_rows`, which is how forums reads members without knowing their table).
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select

from app.auth.actor import Actor
from app.auth.permissions import Permission
from app.forums.rules import is_moderator
from app.identity import service as identity_service
from app.models.directory import Authority, State
from app.models.forums import Forum, ForumGroup, ForumGroupMember


class ForumAudience(Protocol):
    """What decides who reads a forum: a `Forum` row, or just those columns of one."""

    @property
    def audience_kind(self) -> str: ...

    @property
    def group_id(self) -> uuid.UUID | None: ...


Variant = str  # "all" (moderators), "member", "member-without-authority"
VARIANTS: tuple[Variant, ...] = ("all", "member", "member-without-authority")

# Statements on the hot paths are built once per kind of reader, with the reader as these
# bound parameters (see `reader_params`), instead of once per request.
READER_ID = sa.bindparam("reader_id", type_=sa.Uuid())
READER_AUTHORITY_ID = sa.bindparam("reader_authority_id", type_=sa.Uuid())


def reader_variant(actor: Actor) -> Variant | None:
    """Which kind of reader the actor is for the forum rules (None: they read nothing)."""
    if actor.user_id is None or not actor.can(Permission.FORUM_READ):
        return None
    if is_moderator(actor):
        return "all"
    return "member" if actor.authority_id is not None else "member-without-authority"


def reader_params(actor: Actor) -> dict[str, Any]:
    """The bound parameters of a statement built with READER_ID / READER_AUTHORITY_ID."""
    return {"reader_id": actor.user_id, "reader_authority_id": actor.authority_id}


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


def readable_by(
    variant: Variant, reader_id: Any, reader_authority_id: Any, *, one_forum: bool = False
) -> ColumnElement[bool]:
    """The one definition of who reads which forum: network forums; group forums of the
    groups the reader belongs to, explicitly or through their authority's region.

    Group membership has two spellings of the same test. By default the reader's groups
    are a set (explicit UNION regional), built once per statement, sorted and hashed, which
    every forum of a list then probes. `one_forum` is for a statement that reads one thread
    (its access check, its page): two EXISTS tests on that thread's forum, which PostgreSQL
    evaluates for that forum only, after finding it by key, and not at all for a network
    forum; with the set, it built the set first, for most of the query's time. A group
    forum always has a group (CHECK group_audience) and group ids are never null, so
    `group_id IN (a UNION b)` and `EXISTS (a: group_id) OR EXISTS (b: group_id)` hold for
    exactly the same rows (tests/forums/test_audience.py checks both for every kind of
    audience and reader)."""
    if variant == "all":
        return sa.true()
    in_group: ColumnElement[bool]
    if one_forum:
        in_group = sa.exists(
            select(sa.literal(1)).where(
                col(ForumGroupMember.group_id) == col(Forum.group_id),
                col(ForumGroupMember.user_id) == reader_id,
            )
        )
        if variant == "member":
            in_group = sa.or_(
                in_group,
                sa.exists(
                    select(sa.literal(1))
                    .select_from(ForumGroup)
                    .where(
                        col(ForumGroup.id) == col(Forum.group_id),
                        col(ForumGroup.region).is_not(None),
                        _region_matches(reader_authority_id),
                    )
                ),
            )
    else:
        groups: Any = select(col(ForumGroupMember.group_id)).where(
            col(ForumGroupMember.user_id) == reader_id
        )
        if variant == "member":
            groups = groups.union(
                select(col(ForumGroup.id)).where(
                    col(ForumGroup.region).is_not(None), _region_matches(reader_authority_id)
                )
            )
        in_group = col(Forum.group_id).in_(groups)
    return sa.or_(
        col(Forum.audience_kind) == "network",
        sa.and_(col(Forum.audience_kind) == "group", in_group),
    )


def readable_forum_clause(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause on `forums` true for exactly the forums the actor may read."""
    variant = reader_variant(actor)
    if variant is None:
        return sa.false()
    return readable_by(
        variant, sa.literal(actor.user_id, sa.Uuid()), sa.literal(actor.authority_id, sa.Uuid())
    )


def member_reads_forum(members: sa.Subquery, forum: ForumAudience) -> ColumnElement[bool]:
    """A WHERE clause on identity's `member_rows` true for the members who may read `forum`
    (mentions, follows, event audiences)."""
    moderator = identity_service.has_role_for(members, Permission.FORUM_MODERATE)
    if forum.audience_kind == "network":
        audience = identity_service.has_role_for(members, Permission.FORUM_READ)
    elif forum.audience_kind == "group" and forum.group_id is not None:
        in_group = sa.or_(
            sa.exists(
                select(sa.literal(1)).where(
                    col(ForumGroupMember.group_id) == forum.group_id,
                    col(ForumGroupMember.user_id) == members.c.id,
                )
            ),
            sa.exists(
                select(sa.literal(1))
                .select_from(ForumGroup)
                .where(
                    col(ForumGroup.id) == forum.group_id,
                    col(ForumGroup.region).is_not(None),
                    _region_matches(members.c.authority_id),
                )
            ),
        )
        audience = sa.or_(
            moderator,
            sa.and_(identity_service.has_role_for(members, Permission.FORUM_READ), in_group),
        )
    else:
        audience = moderator
    return sa.and_(identity_service.in_good_standing(members), audience)
