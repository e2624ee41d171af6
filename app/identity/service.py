"""What other domains may ask the identity domain (import as a module, never its tables)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.auth.permissions import ROLE_PERMISSIONS, Permission
from app.models.directory import Authority
from app.models.identity import User


async def get_member(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    """The member with this id, whatever their status (None if there is none)."""
    return await session.get(User, user_id)


async def members_of_authority(session: AsyncSession, authority_id: uuid.UUID) -> list[User]:
    """Active members of an authority, by handle."""
    return list(
        (
            await session.execute(
                select(User)
                .where(col(User.authority_id) == authority_id, col(User.status) == "active")
                .order_by(col(User.handle))
            )
        )
        .scalars()
        .all()
    )


async def members_by_ids(session: AsyncSession, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, User]:
    """Several members in one query (for lists that show authors)."""
    if not user_ids:
        return {}
    rows = (await session.execute(select(User).where(col(User.id).in_(user_ids)))).scalars()
    return {u.id: u for u in rows}


async def members_by_handles(session: AsyncSession, handles: list[str]) -> dict[str, User]:
    """Active members by @handle (lower-cased keys), for mentions."""
    if not handles:
        return {}
    rows = (
        await session.execute(
            select(User).where(col(User.handle).in_(handles), col(User.status) == "active")
        )
    ).scalars()
    return {u.handle.lower(): u for u in rows}


async def directory_entries(
    session: AsyncSession, user_ids: list[uuid.UUID]
) -> list[tuple[User, Authority | None]]:
    """Members with their authority, in one query, by handle: who an id in a record is."""
    if not user_ids:
        return []
    rows = await session.execute(
        select(User, Authority)
        .outerjoin(Authority, col(Authority.id) == col(User.authority_id))
        .where(col(User.id).in_(user_ids))
        .order_by(col(User.handle))
    )
    return [(user, authority) for user, authority in rows]


async def active_member_ids_with(session: AsyncSession, permission: Permission) -> list[uuid.UUID]:
    """Active members whose roles grant `permission` (moderators, vetting reviewers...)."""
    roles = [role.value for role, granted in ROLE_PERMISSIONS.items() if permission in granted]
    rows = await session.execute(
        select(col(User.id)).where(
            col(User.status) == "active",
            col(User.roles).overlap(sa.cast(sa.literal(roles), col(User.roles).type)),  # type: ignore[attr-defined]
        )
    )
    return list(rows.scalars())
