"""Sign-in sessions: access JWT + rotated opaque refresh token, or a browser cookie session.

A refresh token is spent on use and replaced; presenting a spent one again means it was
copied, so the whole session is revoked (theft detection). Revocation is a row update that
every worker sees on the next request (the dependencies re-read the session each time).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.auth.dependencies import csrf_token_for
from app.auth.tokens import issue_access_token
from app.core import audit, events
from app.core.audit import Target
from app.core.errors import NotFound
from app.core.events import Audience
from app.identity import repository
from app.identity.secrets import hash_token, new_token
from app.identity.settings import identity_settings
from app.models.identity import RefreshToken, User, UserSession


@dataclass(frozen=True, slots=True)
class IssuedSession:
    session: UserSession
    access_token: str
    access_expires_at: datetime
    refresh_token: str | None = None
    cookie_token: str | None = None
    csrf_token: str | None = None


async def start_session(
    session: AsyncSession,
    *,
    user: User,
    secret_key: str,
    cookie: bool,
    client_ip: str | None,
    user_agent: str | None,
) -> IssuedSession:
    """Open a session for `user` (after both factors) and issue its credentials."""
    policy = identity_settings()
    now = datetime.now(UTC)
    user_session = UserSession(
        user_id=user.id,
        expires_at=now
        + (
            timedelta(hours=policy.cookie_session_hours)
            if cookie
            else timedelta(days=policy.session_absolute_days)
        ),
        client_ip=client_ip,
        user_agent=(user_agent or "")[:512] or None,
        kind="cookie" if cookie else "bearer",
    )
    cookie_token = new_token() if cookie else None
    if cookie_token is not None:
        user_session.cookie_hash = hash_token(cookie_token)
    session.add(user_session)
    await session.flush()
    access, access_expires = issue_access_token(
        secret_key,
        user_id=user.id,
        session_id=user_session.id,
        ttl=timedelta(minutes=policy.access_token_minutes),
    )
    refresh = None
    if not cookie:
        refresh = new_token()
        session.add(RefreshToken(session_id=user_session.id, token_hash=hash_token(refresh)))
        await session.flush()
    return IssuedSession(
        session=user_session,
        access_token=access,
        access_expires_at=access_expires,
        refresh_token=refresh,
        cookie_token=cookie_token,
        csrf_token=csrf_token_for(secret_key, user_session.id) if cookie else None,
    )


@dataclass(frozen=True, slots=True)
class RefreshRefused:
    reason: str  # unknown | reused | ended


async def rotate_refresh_token(
    session: AsyncSession, *, refresh_token: str, secret_key: str, actor: Actor
) -> IssuedSession | RefreshRefused:
    """Spend `refresh_token` and issue a new pair; a reused token revokes its session."""
    policy = identity_settings()
    now = datetime.now(UTC)
    row = await repository.refresh_token_for_update(session, hash_token(refresh_token))
    if row is None:
        return RefreshRefused("unknown")
    token, user_session, user = row
    if token.spent_at is not None:
        if user_session.revoked_at is None:
            await revoke_session(session, user_session, actor=actor, reason="refresh_reuse")
        await audit.record(
            session,
            actor=actor,
            action="auth.refresh.reuse_detected",
            target=Target("session", user_session.id),
            outcome="denied",
            details={"user_id": str(user.id)},
        )
        return RefreshRefused("reused")
    too_old = token.created_at <= now - timedelta(days=policy.refresh_token_days)
    if (
        user_session.revoked_at is not None
        or user_session.expires_at <= now
        or user.status != "active"
        or too_old
    ):
        return RefreshRefused("ended")
    token.spent_at = now
    fresh = new_token()
    session.add(RefreshToken(session_id=user_session.id, token_hash=hash_token(fresh)))
    user_session.last_seen_at = now
    await session.flush()
    access, access_expires = issue_access_token(
        secret_key,
        user_id=user.id,
        session_id=user_session.id,
        ttl=timedelta(minutes=policy.access_token_minutes),
    )
    return IssuedSession(
        session=user_session,
        access_token=access,
        access_expires_at=access_expires,
        refresh_token=fresh,
    )


async def revoke_session(
    session: AsyncSession, user_session: UserSession, *, actor: Actor, reason: str
) -> None:
    """End one session now (every worker refuses it from the next request on)."""
    user_session.revoked_at = datetime.now(UTC)
    user_session.revoked_reason = reason[:32]
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="auth.session.revoked",
        target=Target("session", user_session.id),
        details={"user_id": str(user_session.user_id), "reason": reason},
    )
    await events.publish(
        session,
        "session.revoked",
        {"session_id": user_session.id, "user_id": user_session.user_id},
        audience=Audience.of("user", user_session.user_id),
    )


async def revoke_all_sessions(
    session: AsyncSession, user_id: uuid.UUID, *, actor: Actor, reason: str
) -> int:
    """End every live session of a member (suspension, password change)."""
    now = datetime.now(UTC)
    ids = await repository.revoke_unrevoked_sessions(session, user_id, now=now, reason=reason[:32])
    for session_id in ids:
        await events.publish(
            session,
            "session.revoked",
            {"session_id": session_id, "user_id": user_id},
            audience=Audience.of("user", user_id),
        )
    if ids:
        await audit.record(
            session,
            actor=actor,
            action="auth.session.revoked_all",
            target=Target("user", user_id),
            details={"reason": reason, "sessions": [str(i) for i in ids]},
        )
    return len(ids)


async def list_own_sessions(session: AsyncSession, *, actor: Actor) -> list[UserSession]:
    """The caller's live sessions, newest first."""
    return await repository.live_sessions_of(
        session, actor.user_id, now=datetime.now(UTC), limit=100
    )


async def revoke_own_session(session: AsyncSession, session_id: uuid.UUID, *, actor: Actor) -> None:
    """Revoke one of the caller's sessions; another member's session is 404."""
    user_session = await repository.session_by_id(session, session_id)
    if user_session is None or user_session.user_id != actor.user_id:
        raise NotFound("No such session.")
    if user_session.revoked_at is None:
        await revoke_session(session, user_session, actor=actor, reason="user")


async def end_current_session(session: AsyncSession, *, actor: Actor) -> None:
    """Sign out: revoke the session the caller is using."""
    if actor.session_id is None:
        return
    user_session = await repository.session_by_id(session, actor.session_id)
    if user_session is not None and user_session.revoked_at is None:
        await revoke_session(session, user_session, actor=actor, reason="logout")
