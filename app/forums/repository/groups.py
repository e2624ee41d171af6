"""Groups: who a restricted forum is for, by explicit membership or by region."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.identity import service as identity_service
from app.models.directory import Authority, State
from app.models.forums import ForumGroup, ForumGroupMember

_MEMBERS = identity_service.member_rows()


async def group_by_id(session: AsyncSession, group_id: uuid.UUID) -> ForumGroup | None:
    return await session.get(ForumGroup, group_id)


async def group_id_named(session: AsyncSession, name: str) -> uuid.UUID | None:
    """The group of this name, compared case-insensitively."""
    return await session.scalar(
        select(col(ForumGroup.id)).where(sa.func.lower(col(ForumGroup.name)) == name.lower())
    )


async def known_region(session: AsyncSession, region: str) -> str | None:
    """The region or sub-region as spelled in the states table, matched case-insensitively."""
    lowered = region.lower()
    columns = (col(State.region), col(State.subregion), col(State.intermediate_region))
    found = await session.scalar(
        sa.union(*(select(c).where(sa.func.lower(c) == lowered) for c in columns)).limit(1)
    )
    return str(found) if found else None


async def region_of_authority(session: AsyncSession, authority_id: uuid.UUID) -> str | None:
    """The M49 region of the authority's state."""
    region = await session.scalar(
        select(col(State.region))
        .join(Authority, col(Authority.state_code) == col(State.code))
        .where(col(Authority.id) == authority_id)
    )
    return str(region) if region else None


def _member_counts() -> sa.ScalarSelect[int]:
    return (
        select(sa.func.count())
        .select_from(ForumGroupMember)
        .where(col(ForumGroupMember.group_id) == col(ForumGroup.id))
        .scalar_subquery()
    )


async def groups_with_member_counts(session: AsyncSession) -> list[Any]:
    """(ForumGroup, explicit member count) of every group, by name (one query)."""
    rows = await session.execute(
        select(ForumGroup, _member_counts()).order_by(col(ForumGroup.name))
    )
    return list(rows.all())


async def group_with_member_count(session: AsyncSession, group_id: uuid.UUID) -> Any:
    """(ForumGroup, explicit member count), or None."""
    return (
        await session.execute(
            select(ForumGroup, _member_counts()).where(col(ForumGroup.id) == group_id)
        )
    ).first()


async def explicit_members(session: AsyncSession, group_id: uuid.UUID) -> list[Any]:
    """(id, handle, full_name, added_at) of a group's explicit members, by handle."""
    rows = await session.execute(
        sa.select(
            _MEMBERS.c.id, _MEMBERS.c.handle, _MEMBERS.c.full_name, col(ForumGroupMember.added_at)
        )
        .join(ForumGroupMember, col(ForumGroupMember.user_id) == _MEMBERS.c.id)
        .where(col(ForumGroupMember.group_id) == group_id)
        .order_by(_MEMBERS.c.handle)
    )
    return list(rows.all())


async def add_member(
    session: AsyncSession, *, group_id: uuid.UUID, user_id: uuid.UUID, added_by: uuid.UUID | None
) -> bool:
    """Add an explicit member; False if they were one already."""
    added = await session.scalar(
        pg_insert(ForumGroupMember)
        .values(group_id=group_id, user_id=user_id, added_by=added_by)
        .on_conflict_do_nothing()
        .returning(col(ForumGroupMember.user_id))
    )
    return added is not None


async def remove_member(session: AsyncSession, *, group_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """Remove an explicit member; False if they were none."""
    removed = await session.scalar(
        sa.delete(ForumGroupMember)
        .where(col(ForumGroupMember.group_id) == group_id, col(ForumGroupMember.user_id) == user_id)
        .returning(col(ForumGroupMember.user_id))
    )
    return removed is not None
