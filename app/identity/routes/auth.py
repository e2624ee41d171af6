"""Anonymous endpoints: applying for membership and signing in."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from app.auth.actor import Actor
from app.auth.dependencies import (
    CSRF_COOKIE,
    DEV_SESSION_COOKIE,
    SESSION_COOKIE,
    CurrentUserAllowExpired,
    anonymous_actor,
)
from app.db import DbSession
from app.identity import exceptions, login, password_change, sessions
from app.identity.exceptions import Refusal
from app.identity.routes.responses import progress_step_read, refusal_response
from app.identity.schemas import (
    ApplicationCreate,
    ApplicationCreated,
    ApplicationProgress,
    ApplicationStatus,
    ChallengeOut,
    EnrollIn,
    EnrollOut,
    InformationIn,
    LoginIn,
    MfaVerifyIn,
    PasswordResetConfirmIn,
    PasswordResetIn,
    RefreshIn,
    TokenIn,
    TokensOut,
)
from app.identity.settings import identity_settings
from app.identity.vetting import applications, progress

router = APIRouter(prefix="/auth", tags=["identity"])

Anonymous = Annotated[Actor, Depends(anonymous_actor)]
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}
_REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"description": "refused"},
    429: {"description": "throttled; try again after Retry-After seconds", "headers": _RETRY_AFTER},
}
_APPLY_THROTTLED: dict[int | str, dict[str, Any]] = {
    429: {
        "description": (
            "Too many applications from this client address (CANET_APPLICATIONS_PER_ADDRESS "
            "in quick succession); try again after Retry-After seconds"
        ),
        "headers": _RETRY_AFTER,
    }
}
_RESET_THROTTLED: dict[int | str, dict[str, Any]] = {
    429: {
        "description": "Too many reset requests from this client address; see Retry-After",
        "headers": _RETRY_AFTER,
    }
}


def _secret(request: Request) -> str:
    return str(request.app.state.settings.resolved_secret_key())


def _base_url(request: Request) -> str:
    return str(request.app.state.settings.base_url)


@router.post(
    "/applications",
    status_code=201,
    response_model=ApplicationCreated,
    responses=_APPLY_THROTTLED,
)
async def apply(
    body: ApplicationCreate, request: Request, session: DbSession, actor: Anonymous
) -> ApplicationCreated:
    """Apply for membership; a verification link is mailed to the address given."""
    application_id = await applications.submit_application(
        session,
        email=str(body.email),
        full_name=body.full_name,
        password=body.password,
        authority_id=body.authority_id,
        position=body.position,
        justification=body.justification,
        handle=body.handle,
        base_url=_base_url(request),
        actor=actor,
    )
    return ApplicationCreated(id=application_id, status="pending_email")


@router.post("/applications/verify", response_model=ApplicationProgress)
async def verify_email(body: TokenIn, session: DbSession, actor: Anonymous) -> ApplicationProgress:
    """Confirm the email address with the token from the mailed link; the application's
    status and its steps so far."""
    application, steps = await progress.confirm_email(session, token=body.token, actor=actor)
    return ApplicationProgress(
        status=application.status, steps=[progress_step_read(s) for s in steps]
    )


@router.post("/applications/information", response_model=ApplicationProgress)
async def provide_information(
    body: InformationIn, session: DbSession, actor: Anonymous
) -> ApplicationProgress:
    """Answer a moderator's question, with the token from the mailed link; the
    application's status and its steps so far."""
    application, steps = await progress.answer_question(
        session, token=body.token, response=body.response, actor=actor
    )
    return ApplicationProgress(
        status=application.status, steps=[progress_step_read(s) for s in steps]
    )


@router.post("/login", response_model=ChallengeOut, responses=_REFUSALS)
async def sign_in(
    body: LoginIn, request: Request, session: DbSession, actor: Anonymous
) -> ChallengeOut | JSONResponse:
    """First step: email and password -> a short-lived single-use challenge.

    A member has at most three challenges open: a new one revokes the oldest. Wrong
    passwords, and wrong codes at the second step, block the member at both steps for a
    growing delay and then lock them out (429 with Retry-After).
    """
    outcome = await login.begin_login(
        session, email=body.email, password=body.password, actor=actor
    )
    if isinstance(outcome, Refusal):
        return refusal_response(request, outcome)
    return ChallengeOut(
        status=outcome.status,
        challenge_token=outcome.challenge_token,
        expires_in=outcome.expires_in,
    )


@router.post("/mfa/enroll", response_model=EnrollOut, responses=_REFUSALS)
async def enroll(
    body: EnrollIn, request: Request, session: DbSession, actor: Anonymous
) -> EnrollOut | JSONResponse:
    """With an enrollment challenge: a new TOTP secret and its otpauth:// URI (for a QR code)."""
    outcome = await login.start_enrollment(
        session, challenge_token=body.challenge_token, secret_key=_secret(request), actor=actor
    )
    if isinstance(outcome, Refusal):
        return refusal_response(request, outcome)
    return EnrollOut(secret=outcome.secret, otpauth_uri=outcome.otpauth_uri)


def _set_session_cookies(response: Response, issued: sessions.IssuedSession) -> None:
    policy = identity_settings()
    secure = policy.cookie_secure
    max_age = int((issued.session.expires_at - issued.session.created_at).total_seconds())
    assert issued.cookie_token is not None and issued.csrf_token is not None
    response.set_cookie(
        SESSION_COOKIE if secure else DEV_SESSION_COOKIE,
        issued.cookie_token,
        max_age=max_age,
        path="/",
        secure=secure,
        httponly=True,
        samesite="strict",
    )
    # Readable by the page's script (double submit): it echoes it in X-CSRF-Token.
    response.set_cookie(
        CSRF_COOKIE,
        issued.csrf_token,
        max_age=max_age,
        path="/",
        secure=secure,
        httponly=False,
        samesite="strict",
    )


@router.post("/mfa/verify", response_model=TokensOut, responses=_REFUSALS)
async def verify_mfa(
    body: MfaVerifyIn, request: Request, response: Response, session: DbSession, actor: Anonymous
) -> TokensOut | JSONResponse:
    """Second step: TOTP or recovery code -> tokens (or a session cookie).

    Wrong codes count per member across challenges; once locked out (429 with Retry-After)
    every open challenge is revoked, so sign in again after waiting.
    """
    outcome = await login.complete_login(
        session,
        challenge_token=body.challenge_token,
        code=body.code,
        secret_key=_secret(request),
        cookie=body.session == "cookie",
        actor=actor,
        previous_secret_keys=request.app.state.settings.previous_secret_keys(),
    )
    if isinstance(outcome, Refusal):
        return refusal_response(request, outcome)
    issued = outcome.issued
    if body.session == "cookie":
        _set_session_cookies(response, issued)
        return TokensOut(
            token_type="cookie",
            expires_in=int((issued.session.expires_at - issued.session.created_at).total_seconds()),
            csrf_token=issued.csrf_token,
            recovery_codes=outcome.recovery_codes,
        )
    return _tokens(issued, outcome.recovery_codes)


def _tokens(issued: sessions.IssuedSession, codes: list[str] | None = None) -> TokensOut:
    return TokensOut(
        token_type="bearer",
        access_token=issued.access_token,
        refresh_token=issued.refresh_token,
        expires_in=identity_settings().access_token_minutes * 60,
        recovery_codes=codes,
    )


@router.post("/refresh", response_model=TokensOut, responses=_REFUSALS)
async def refresh(
    body: RefreshIn, request: Request, session: DbSession, actor: Anonymous
) -> TokensOut | JSONResponse:
    """Trade a refresh token for a new pair; the old one is spent (reuse ends the session)."""
    outcome = await sessions.rotate_refresh_token(
        session, refresh_token=body.refresh_token, secret_key=_secret(request), actor=actor
    )
    if isinstance(outcome, sessions.RefreshRefused):
        return refusal_response(request, exceptions.invalid_refresh_token())
    return _tokens(outcome)


@router.post(
    "/password-reset",
    status_code=202,
    response_model=ApplicationStatus,
    responses=_RESET_THROTTLED,
)
async def request_password_reset(
    body: PasswordResetIn, request: Request, session: DbSession, actor: Anonymous
) -> ApplicationStatus:
    """Mail a single-use reset link to a member's address (same answer for any address)."""
    await password_change.request_password_reset(
        session, email=body.email, base_url=_base_url(request), actor=actor
    )
    return ApplicationStatus(status="accepted")


@router.post("/password-reset/confirm", response_model=ApplicationStatus)
async def confirm_password_reset(
    body: PasswordResetConfirmIn, session: DbSession, actor: Anonymous
) -> ApplicationStatus:
    """Choose a new password with the token from the link; every session ends."""
    await password_change.reset_password(
        session, token=body.token, password=body.password, actor=actor
    )
    return ApplicationStatus(status="password_changed")


@router.post("/logout", status_code=204)
async def logout(actor: CurrentUserAllowExpired, session: DbSession) -> Response:
    """End the current session."""
    await sessions.end_current_session(session, actor=actor)
    response = Response(status_code=204)
    secure = identity_settings().cookie_secure
    for name in (SESSION_COOKIE, DEV_SESSION_COOKIE, CSRF_COOKIE):
        # With the attributes they were set with: a browser ignores a `__Host-` cookie (and
        # so its deletion) that does not say Secure.
        response.delete_cookie(
            name, path="/", secure=secure or name == SESSION_COOKIE, samesite="strict"
        )
    return response
