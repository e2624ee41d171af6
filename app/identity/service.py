"""What other domains may ask the identity domain (import as a module, never its tables)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import ROLE_PERMISSIONS, Permission
from app.identity import repository
from app.identity.repository import MemberWithAuthority
from app.models.identity import User


async def get_member(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    """The member with this id, whatever their status (None if there is none)."""
    return await repository.member_by_id(session, user_id)


async def members_of_authority(session: AsyncSession, authority_id: uuid.UUID) -> list[User]:
    """Active members of an authority, by handle."""
    return await repository.active_members_of_authority(session, authority_id)


async def active_members_of_authorities_or_ids(
    session: AsyncSession, *, authority_ids: list[uuid.UUID], user_ids: list[uuid.UUID]
) -> list[User]:
    """Active members of any of these authorities, and those of `user_ids` who are active."""
    return await repository.active_members_of_authorities_or_ids(
        session, authority_ids=authority_ids, user_ids=user_ids
    )


async def member_ids_of_authority(
    session: AsyncSession, authority_id: uuid.UUID, *, among: list[uuid.UUID]
) -> set[uuid.UUID]:
    """Those of `among` who belong to the authority, whatever their status."""
    if not among:
        return set()
    return await repository.member_ids_of_authority(session, authority_id, among=among)


async def members_by_ids(session: AsyncSession, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, User]:
    """Several members in one query (for lists that show authors)."""
    if not user_ids:
        return {}
    return await repository.members_by_ids(session, user_ids)


async def members_by_handles(session: AsyncSession, handles: list[str]) -> dict[str, User]:
    """Active members by @handle (lower-cased keys), for mentions."""
    if not handles:
        return {}
    return await repository.active_members_by_handles(session, handles)


async def directory_entries(
    session: AsyncSession, user_ids: list[uuid.UUID]
) -> list[MemberWithAuthority]:
    """Members with their authority, in one query, by handle: who an id in a record is."""
    if not user_ids:
        return []
    return await repository.members_with_authority(session, user_ids)


async def active_member_ids_with(session: AsyncSession, permission: Permission) -> list[uuid.UUID]:
    """Active members whose roles grant `permission` (moderators, vetting reviewers...)."""
    roles = [role.value for role, granted in ROLE_PERMISSIONS.items() if permission in granted]
    return await repository.active_member_ids_with_roles(session, roles)
