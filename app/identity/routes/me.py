"""The signed-in member's own profile and sessions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, Response

from app.auth.dependencies import CurrentUser, CurrentUserAllowExpired
from app.core.errors import Unauthorized
from app.db import DbSession
from app.identity import password_change, service, sessions, users
from app.identity.routes.common import authority_ref
from app.identity.schemas import MeOut, PasswordChangeIn, SessionOut

router = APIRouter(tags=["identity"])


@router.get("/me", response_model=MeOut)
async def me(actor: CurrentUserAllowExpired, session: DbSession) -> MeOut:
    """Who I am: roles, authority, status (works with an expired vetting too)."""
    assert actor.user_id is not None
    user = await service.get_member(session, actor.user_id)
    if user is None:
        raise Unauthorized("The session has ended; sign in again.")
    authorities = await users.authorities_by_id(session, {user.authority_id})
    now = datetime.now(UTC)
    return MeOut(
        id=user.id,
        email=user.email,
        full_name=user.full_name,
        handle=user.handle,
        position=user.position,
        roles=sorted(user.roles),
        authority=authority_ref(authorities.get(user.authority_id) if user.authority_id else None),
        status=user.status,
        focal_point=user.focal_point,
        vetting_expires_at=user.vetting_expires_at,
        vetting_expired=user.vetting_expires_at is not None and user.vetting_expires_at <= now,
        mfa_enrolled=user.mfa_enrolled_at is not None,
    )


@router.get("/me/sessions", response_model=list[SessionOut])
async def my_sessions(actor: CurrentUserAllowExpired, session: DbSession) -> list[SessionOut]:
    """My live sessions, newest first (`current` marks the one making this request)."""
    rows = await sessions.list_own_sessions(session, actor=actor)
    return [
        SessionOut(
            id=s.id,
            kind=s.kind,
            created_at=s.created_at,
            last_seen_at=s.last_seen_at,
            expires_at=s.expires_at,
            client_ip=str(s.client_ip) if s.client_ip else None,
            user_agent=s.user_agent,
            current=s.id == actor.session_id,
        )
        for s in rows
    ]


@router.delete("/me/sessions/{session_id}", status_code=204)
async def revoke_my_session(
    session_id: uuid.UUID, actor: CurrentUserAllowExpired, session: DbSession
) -> Response:
    """Revoke one of my sessions (another member's session is 404)."""
    await sessions.revoke_own_session(session, session_id, actor=actor)
    return Response(status_code=204)


@router.post("/me/password", status_code=204)
async def change_my_password(
    body: PasswordChangeIn, actor: CurrentUser, session: DbSession
) -> Response:
    """Change my password (the current one is required); my other sessions end."""
    await password_change.change_password(
        session, current=body.current_password, new=body.new_password, actor=actor
    )
    return Response(status_code=204)
