"""The signed-in member's own profile and sessions."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from app.auth.dependencies import CurrentUser, CurrentUserAllowExpired
from app.db import DbSession
from app.identity import password_change, profile, sessions
from app.identity.exceptions import FieldRefusal
from app.identity.routes.responses import (
    field_refusal_response,
    me_read,
    me_read_of_row,
    progress_step_read,
)
from app.identity.schemas import (
    MeOut,
    OwnVettingOut,
    PasswordChangeIn,
    ProfileUpdate,
    RecoveryCodesIn,
    RecoveryCodesOut,
    SessionOut,
)
from app.identity.vetting import progress

router = APIRouter(tags=["identity"])


@router.get("/me", response_model=MeOut)
async def me(actor: CurrentUserAllowExpired, session: DbSession) -> MeOut:
    """Who I am: roles, authority, status (works with an expired vetting too)."""
    return me_read_of_row(await profile.read_own_profile(session, actor=actor))


@router.get("/me/vetting", response_model=OwnVettingOut)
async def my_vetting(actor: CurrentUserAllowExpired, session: DbSession) -> OwnVettingOut:
    """My vetting: until when it holds, and each step of it so far (works once lapsed too)."""
    user, lapsed, steps = await progress.read_own_vetting(session, actor=actor)
    return OwnVettingOut(
        status=user.status,
        vetted_at=user.vetted_at,
        vetting_expires_at=user.vetting_expires_at,
        vetting_expired=lapsed,
        steps=[progress_step_read(s) for s in steps],
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


@router.post(
    "/me/password",
    status_code=204,
    responses={
        429: {"description": "too many wrong current passwords; retry after Retry-After seconds"},
    },
)
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
    return me_read(
        await profile.update_profile(
            session, full_name=body.full_name, handle=body.handle, actor=actor
        )
    )


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
        previous_secret_keys=request.app.state.settings.previous_secret_keys(),
    )
    if isinstance(outcome, FieldRefusal):
        return field_refusal_response(request, outcome)
    return RecoveryCodesOut(recovery_codes=outcome)
