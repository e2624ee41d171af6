"""Revisions: every change to a directory entry, with its field-level diff."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.identity import service as identity_service
from app.models.directory import DirectoryRevision

_ACTOR = identity_service.member_rows("actor")


async def revisions_of(
    session: AsyncSession,
    *,
    target_type: str,
    target_id: uuid.UUID,
    before_id: int | None,
    limit: int,
) -> list[Any]:
    """Rows (DirectoryRevision, actor id, actor full name) of an entry, newest first, the
    actor from identity's members (one query)."""
    stmt = (
        sa.select(DirectoryRevision, _ACTOR.c.id, _ACTOR.c.full_name)
        .outerjoin(_ACTOR, _ACTOR.c.id == col(DirectoryRevision.actor_user_id))
        .where(
            col(DirectoryRevision.target_type) == target_type,
            col(DirectoryRevision.target_id) == target_id,
        )
        .order_by(col(DirectoryRevision.id).desc())
        .limit(limit)
    )
    if before_id is not None:
        stmt = stmt.where(col(DirectoryRevision.id) < before_id)
    return list((await session.execute(stmt)).all())
