"""Revisions: every change to a directory entry, with its field-level diff."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.auth.actor import Actor
from app.directory.schemas import PersonRef, RevisionRead
from app.models.directory import DirectoryRevision
from app.models.identity import User


async def record_revision(
    session: AsyncSession,
    *,
    actor: Actor,
    target_type: str,
    target_id: uuid.UUID,
    action: str,
    changes: dict[str, Any],
) -> DirectoryRevision:
    revision = DirectoryRevision(
        target_type=target_type,
        target_id=target_id,
        action=action,
        actor_user_id=actor.user_id,
        changes=changes,
    )
    session.add(revision)
    return revision


async def list_revisions(
    session: AsyncSession,
    *,
    target_type: str,
    target_id: uuid.UUID,
    before_id: int | None,
    limit: int,
) -> list[RevisionRead]:
    """Newest first, with the name of who made each change (one query)."""
    stmt = (
        select(DirectoryRevision, User.id, User.full_name)
        .outerjoin(User, col(User.id) == col(DirectoryRevision.actor_user_id))
        .where(
            col(DirectoryRevision.target_type) == target_type,
            col(DirectoryRevision.target_id) == target_id,
        )
        .order_by(col(DirectoryRevision.id).desc())
        .limit(limit)
    )
    if before_id is not None:
        stmt = stmt.where(col(DirectoryRevision.id) < before_id)
    rows = (await session.execute(stmt)).all()
    result = []
    for revision, user_id, full_name in rows:
        assert revision.id is not None
        result.append(
            RevisionRead(
                id=revision.id,
                action=revision.action,
                actor=PersonRef(id=user_id, full_name=full_name) if user_id else None,
                created_at=revision.created_at,
                changes=revision.changes,
            )
        )
    return result


async def people(session: AsyncSession, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, PersonRef]:
    """Names of members by id (one query)."""
    if not user_ids:
        return {}
    rows = (
        await session.execute(select(User.id, User.full_name).where(col(User.id).in_(user_ids)))
    ).all()
    return {uid: PersonRef(id=uid, full_name=name) for uid, name in rows}


async def focal_points_of(
    session: AsyncSession, authority_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[User]]:
    """Active focal points of each authority (one query)."""
    result: dict[uuid.UUID, list[User]] = {a: [] for a in authority_ids}
    if not authority_ids:
        return result
    users = (
        await session.execute(
            select(User)
            .where(
                col(User.authority_id).in_(authority_ids),
                col(User.focal_point).is_(True),
                col(User.status) == "active",
            )
            .order_by(col(User.full_name))
        )
    ).scalars()
    for user in users:
        if user.authority_id is not None:
            result[user.authority_id].append(user)
    return result
