"""Groups: who a restricted forum is for. Managed by admins and moderators."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.core import audit
from app.core.audit import Target
from app.core.errors import ValidationFailed
from app.forums import repository
from app.forums.exceptions import (
    GroupNameTaken,
    GroupNotFound,
    MemberNotFound,
    NotGroupMember,
    OwnGroupMembership,
)
from app.forums.schemas import GroupCreate, GroupMemberRead, GroupRead
from app.forums.shapes import author, group_read
from app.identity import service as identity_service
from app.models.forums import ForumGroup


async def create_group(session: AsyncSession, *, actor: Actor, data: GroupCreate) -> GroupRead:
    """Create a group; with a region, its membership follows the members' authorities."""
    region = None
    if data.region is not None:
        region = await repository.known_region(session, data.region)
        if region is None:
            raise ValidationFailed(
                "Unknown region.",
                errors=[{"field": "region", "message": "not a region or sub-region of any state"}],
            )
    if await repository.group_id_named(session, data.name) is not None:
        raise GroupNameTaken()
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
    return group_read(group, 0)


async def list_groups(session: AsyncSession, *, actor: Actor) -> list[GroupRead]:
    """Every group, by name, with its explicit member count (one query)."""
    rows = await repository.groups_with_member_counts(session)
    return [group_read(g, n) for g, n in rows]


async def get_group(session: AsyncSession, *, actor: Actor, group_id: uuid.UUID) -> GroupRead:
    """One group."""
    row = await repository.group_with_member_count(session, group_id)
    if row is None:
        raise GroupNotFound()
    return group_read(row[0], row[1])


async def list_group_members(
    session: AsyncSession, *, actor: Actor, group_id: uuid.UUID
) -> list[GroupMemberRead]:
    """The explicit members of a group (region members follow from the directory)."""
    await get_group(session, actor=actor, group_id=group_id)
    rows = await repository.explicit_members(session, group_id)
    return [GroupMemberRead(user=author(r[0], r[1], r[2]), added_at=r[3]) for r in rows]


async def add_group_member(
    session: AsyncSession, *, actor: Actor, group_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    """Add a member to a group explicitly (idempotent)."""
    group = await repository.group_by_id(session, group_id)
    if group is None:
        raise GroupNotFound()
    if user_id == actor.user_id:
        raise OwnGroupMembership()
    if await identity_service.get_member(session, user_id) is None:
        raise MemberNotFound()
    if await repository.add_member(
        session, group_id=group_id, user_id=user_id, added_by=actor.user_id
    ):
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
    if await repository.group_by_id(session, group_id) is None:
        raise GroupNotFound()
    if not await repository.remove_member(session, group_id=group_id, user_id=user_id):
        raise NotGroupMember()
    await audit.record(
        session,
        actor=actor,
        action="forum.group.member_remove",
        target=Target("forum_group", group_id),
        details={"user_id": user_id},
        authority_ids=[actor.authority_id],
    )
