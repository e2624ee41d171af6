"""The members the directory names: focal points of authorities, who verified an entry, who
a contact is. Members are identity's: asked through its service, never read from its table."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.directory.schemas import PersonRef
from app.identity import service as identity_service


async def focal_points_of(
    session: AsyncSession, authority_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[identity_service.Member]]:
    """Active focal points of each authority, by full name (one query)."""
    result: dict[uuid.UUID, list[identity_service.Member]] = {a: [] for a in authority_ids}
    for member in await identity_service.active_focal_points_of(session, authority_ids):
        if member.authority_id is not None:
            result[member.authority_id].append(member)
    return result


async def people(session: AsyncSession, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, PersonRef]:
    """Names of members by id (one query)."""
    members = await identity_service.members_by_ids(session, user_ids)
    return {uid: PersonRef(id=uid, full_name=m.full_name) for uid, m in members.items()}


async def member_ids_among(session: AsyncSession, user_ids: set[uuid.UUID]) -> set[uuid.UUID]:
    """Those of `user_ids` that name a member, whatever their status (one query)."""
    if not user_ids:
        return set()
    return set(await identity_service.members_by_ids(session, list(user_ids)))
