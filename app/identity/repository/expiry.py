"""Members by the date their vetting lapses."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.core.pagination import apply
from app.models.identity import User


async def members_by_vetting_expiry(
    session: AsyncSession,
    *,
    expiring_after: datetime | None,
    expiring_by: datetime,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[User]:
    """Members whose vetting lapses by `expiring_by` (and after `expiring_after`, if given),
    the earliest expiry first."""
    expires = col(User.vetting_expires_at)
    statement = select(User).where(expires.is_not(None), expires <= expiring_by)
    if expiring_after is not None:
        statement = statement.where(expires > expiring_after)
    order = [expires, col(User.id)]
    statement = apply(statement, order, after).order_by(*order).limit(limit)
    return list((await session.execute(statement)).scalars().all())
