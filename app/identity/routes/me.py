"""The signed-in member's own profile and sessions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from app.auth.actor import Actor, vetting_lapsed
from app.auth.dependencies import CurrentUser, CurrentUserAllowExpired
from app.core.errors import Unauthorized, problem_response
from app.db import DbSession
from app.identity import password_change, profile, service, sessions, users
from app.identity.routes.common import authority_ref
from app.identity.schemas import (
    MeOut,
    PasswordChangeIn,
    ProfileUpdate,
    RecoveryCodesIn,
    RecoveryCodesOut,
    SessionOut,
)

router = APIRouter(tags=["identity"])


@router.get("/me", response_model=MeOut)
async def me(actor: CurrentUserAllowExpired, session: DbSession) -> MeOut:
    """Who I am: roles, authority, status (works with an expired vetting too)."""
    return await _me(session, actor)


async def _me(session: DbSession, actor: Actor) -> MeOut:
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
        vetting_expired=vetting_lapsed(user.vetting_expires_at, now),
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
    body: PasswordChangeIn, request: Request, actor: CurrentUser, session: DbSession
) -> Response:
    """Change my password (the current one is required); my other sessions end."""
    refused = await password_change.change_password(
        session, current=body.current_password, new=body.new_password, actor=actor
    )
    if refused is not None:
        return field_refusal_response(request, refused)
    return Response(status_code=204)


@router.patch("/me", response_model=MeOut, responses={409: {"description": "the handle is taken"}})
async def update_me(body: ProfileUpdate, actor: CurrentUser, session: DbSession) -> MeOut:
    """Change my display name (`full_name`) and/or `handle`; a taken handle is 409."""
    await profile.update_profile(session, full_name=body.full_name, handle=body.handle, actor=actor)
    return await _me(session, actor)


_RECOVERY_REFUSALS: dict[int | str, dict[str, Any]] = {
    422: {"description": "wrong code or password (counted like sign-in failures)"},
    429: {"description": "too many wrong answers; retry after Retry-After seconds"},
}


@router.post(
    "/me/recovery-codes",
    response_model=RecoveryCodesOut,
    status_code=201,
    responses=_RECOVERY_REFUSALS,
)
async def regenerate_recovery_codes(
    body: RecoveryCodesIn, request: Request, actor: CurrentUser, session: DbSession
) -> RecoveryCodesOut | JSONResponse:
    """Replace all my recovery codes with 10 new ones, shown once; needs my current TOTP
    `code` or my `password`."""
    outcome = await profile.regenerate_recovery_codes(
        session,
        code=body.code,
        password=body.password,
        secret_key=str(request.app.state.settings.resolved_secret_key()),
        actor=actor,
    )
    if isinstance(outcome, profile.FieldRefusal):
        return field_refusal_response(request, outcome)
    return RecoveryCodesOut(recovery_codes=outcome)


def field_refusal_response(request: Request, refused: profile.FieldRefusal) -> JSONResponse:
    refusal = refused.refusal
    return problem_response(
        request,
        status=refusal.status,
        code=refusal.code,
        title="Invalid input" if refusal.status == 422 else "Too many requests",
        detail=refusal.detail,
        errors=[{"field": refused.field, "message": refusal.detail}],
        headers=refusal.headers,
    )
