"""Sign-in sessions and their refresh tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.models.identity import RefreshToken, User, UserSession

_REFRESH_TOKEN_FOR_UPDATE = (
    select(RefreshToken, UserSession, User)
    .join(UserSession, col(UserSession.id) == col(RefreshToken.session_id))
    .join(User, col(User.id) == col(UserSession.user_id))
    .where(col(RefreshToken.token_hash) == sa.bindparam("token_hash"))
    .with_for_update(of=RefreshToken)
)


async def session_by_id(session: AsyncSession, session_id: uuid.UUID) -> UserSession | None:
    return await session.get(UserSession, session_id)


async def live_sessions_of(
    session: AsyncSession, user_id: uuid.UUID | None, *, now: datetime, limit: int
) -> list[UserSession]:
    """Neither revoked nor expired, newest first."""
    statement = (
        select(UserSession)
        .where(
            col(UserSession.user_id) == user_id,
            col(UserSession.revoked_at).is_(None),
            col(UserSession.expires_at) > now,
        )
        .order_by(col(UserSession.created_at).desc())
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars().all())


async def unrevoked_sessions_except(
    session: AsyncSession, user_id: uuid.UUID, session_id: uuid.UUID | None
) -> list[UserSession]:
    statement = select(UserSession).where(
        col(UserSession.user_id) == user_id,
        col(UserSession.revoked_at).is_(None),
        col(UserSession.id) != session_id,
    )
    return list((await session.execute(statement)).scalars().all())


async def revoke_unrevoked_sessions(
    session: AsyncSession, user_id: uuid.UUID, *, now: datetime, reason: str
) -> list[uuid.UUID]:
    """Revoke every session of the member not revoked yet; the ids of those revoked."""
    statement = (
        sa.update(UserSession)
        .where(col(UserSession.user_id) == user_id, col(UserSession.revoked_at).is_(None))
        .values(revoked_at=now, revoked_reason=reason)
        .returning(col(UserSession.id))
    )
    return list((await session.execute(statement)).scalars().all())


async def refresh_token_for_update(
    session: AsyncSession, token_hash: str
) -> tuple[RefreshToken, UserSession, User] | None:
    """The refresh token (locked) with its session and member."""
    row = (await session.execute(_REFRESH_TOKEN_FOR_UPDATE, {"token_hash": token_hash})).first()
    return None if row is None else (row[0], row[1], row[2])
