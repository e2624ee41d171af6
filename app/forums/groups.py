"""Groups: who a restricted forum is for. Managed by admins and moderators."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.auth.actor import Actor
from app.core import audit
from app.core.audit import Target
from app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.forums.schemas import GroupCreate, GroupMemberRead, GroupRead
from app.forums.views import author
from app.models.directory import State
from app.models.forums import ForumGroup, ForumGroupMember
from app.models.identity import User


def _group_read(group: ForumGroup, explicit_member_count: int) -> GroupRead:
    return GroupRead(
        id=group.id,
        name=group.name,
        description=group.description,
        region=group.region,
        explicit_member_count=explicit_member_count,
        created_at=group.created_at,
    )


async def _known_region(session: AsyncSession, region: str) -> str | None:
    """The region or sub-region as spelled in the states table, matched case-insensitively."""
    lowered = region.lower()
    columns = (col(State.region), col(State.subregion), col(State.intermediate_region))
    found = await session.scalar(
        sa.union(*(select(c).where(sa.func.lower(c) == lowered) for c in columns)).limit(1)
    )
    return str(found) if found else None


async def create_group(session: AsyncSession, *, actor: Actor, data: GroupCreate) -> GroupRead:
    """Create a group; with a region, its membership follows the members' authorities."""
    region = None
    if data.region is not None:
        region = await _known_region(session, data.region)
        if region is None:
            raise ValidationFailed(
                "Unknown region.",
                errors=[{"field": "region", "message": "not a region or sub-region of any state"}],
            )
    exists = await session.scalar(
        select(col(ForumGroup.id)).where(sa.func.lower(col(ForumGroup.name)) == data.name.lower())
    )
    if exists is not None:
        raise Conflict("A group with this name exists.", code="group-name-taken")
    group = ForumGroup(
        name=data.name, description=data.description, region=region, created_by=actor.user_id
    )
    session.add(group)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="forum.group.create",
        target=Target("forum_group", group.id),
        details={"name": group.name, "region": region},
        authority_ids=[actor.authority_id],
    )
    return _group_read(group, 0)


def _member_counts() -> sa.ScalarSelect[int]:
    return (
        select(sa.func.count())
        .select_from(ForumGroupMember)
        .where(col(ForumGroupMember.group_id) == col(ForumGroup.id))
        .scalar_subquery()
    )


async def list_groups(session: AsyncSession, *, actor: Actor) -> list[GroupRead]:
    """Every group, by name, with its explicit member count (one query)."""
    rows = (
        await session.execute(select(ForumGroup, _member_counts()).order_by(col(ForumGroup.name)))
    ).all()
    return [_group_read(g, n) for g, n in rows]


async def get_group(session: AsyncSession, *, actor: Actor, group_id: uuid.UUID) -> GroupRead:
    """One group."""
    row = (
        await session.execute(
            select(ForumGroup, _member_counts()).where(col(ForumGroup.id) == group_id)
        )
    ).first()
    if row is None:
        raise NotFound("No such group.", code="group-not-found")
    return _group_read(row[0], row[1])


async def list_group_members(
    session: AsyncSession, *, actor: Actor, group_id: uuid.UUID
) -> list[GroupMemberRead]:
    """The explicit members of a group (region members follow from the directory)."""
    await get_group(session, actor=actor, group_id=group_id)
    rows = (
        await session.execute(
            select(
                col(User.id), col(User.handle), col(User.full_name), col(ForumGroupMember.added_at)
            )
            .join(ForumGroupMember, col(ForumGroupMember.user_id) == col(User.id))
            .where(col(ForumGroupMember.group_id) == group_id)
            .order_by(col(User.handle))
        )
    ).all()
    return [GroupMemberRead(user=author(r[0], r[1], r[2]), added_at=r[3]) for r in rows]


async def add_group_member(
    session: AsyncSession, *, actor: Actor, group_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    """Add a member to a group explicitly (idempotent)."""
    group = await session.get(ForumGroup, group_id)
    if group is None:
        raise NotFound("No such group.", code="group-not-found")
    if user_id == actor.user_id:
        # A group opens its restricted forums: nobody grants themselves that need-to-know.
        raise Forbidden("Another manager adds you to a group.", code="own-group-membership")
    if await session.get(User, user_id) is None:
        raise NotFound("No such member.", code="user-not-found")
    added = await session.scalar(
        pg_insert(ForumGroupMember)
        .values(group_id=group_id, user_id=user_id, added_by=actor.user_id)
        .on_conflict_do_nothing()
        .returning(col(ForumGroupMember.user_id))
    )
    if added is not None:
        await audit.record(
            session,
            actor=actor,
            action="forum.group.member_add",
            target=Target("forum_group", group_id),
            details={"user_id": user_id},
            authority_ids=[actor.authority_id],
        )


async def remove_group_member(
    session: AsyncSession, *, actor: Actor, group_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    """Remove an explicit member (region membership is unaffected)."""
    if await session.get(ForumGroup, group_id) is None:
        raise NotFound("No such group.", code="group-not-found")
    removed = await session.scalar(
        sa.delete(ForumGroupMember)
        .where(col(ForumGroupMember.group_id) == group_id, col(ForumGroupMember.user_id) == user_id)
        .returning(col(ForumGroupMember.user_id))
    )
    if removed is None:
        raise NotFound("Not a member of this group.", code="group-member-not-found")
    await audit.record(
        session,
        actor=actor,
        action="forum.group.member_remove",
        target=Target("forum_group", group_id),
        details={"user_id": user_id},
        authority_ids=[actor.authority_id],
    )
