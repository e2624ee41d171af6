"""How the identity endpoints shape their answers: reads of members and applications, and
the problem responses of refusals that identity returns instead of raising."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from app.auth.actor import vetting_lapsed
from app.core.errors import problem_response
from app.identity.exceptions import FieldRefusal, Refusal
from app.identity.repository import MemberWithAuthority
from app.identity.schemas import (
    ApplicationRead,
    AuthorityRef,
    MeOut,
    ProgressStepRead,
    StepActor,
    UserRead,
    VettingStepRead,
)
from app.identity.vetting.review import ApplicationRecord
from app.models.directory import Authority
from app.models.identity import Application, User, VettingStep

_TITLES = {
    401: "Not authenticated",
    409: "Conflict with the current state",
    429: "Too many requests",
}


def refusal_response(request: Request, refusal: Refusal) -> JSONResponse:
    return problem_response(
        request,
        status=refusal.status,
        code=refusal.code,
        title=_TITLES.get(refusal.status, "Refused"),
        detail=refusal.detail,
        headers=refusal.headers,
    )


def field_refusal_response(request: Request, refused: FieldRefusal) -> JSONResponse:
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


def authority_ref(authority: Authority | None) -> AuthorityRef | None:
    if authority is None:
        return None
    return AuthorityRef(id=authority.id, name=authority.name, state_code=authority.state_code)


def user_read(member: MemberWithAuthority) -> UserRead:
    user, authority = member
    return UserRead(
        id=user.id,
        email=user.email,
        full_name=user.full_name,
        handle=user.handle,
        position=user.position,
        roles=sorted(user.roles),
        authority=authority_ref(authority),
        status=user.status,
        focal_point=user.focal_point,
        vetted_at=user.vetted_at,
        vetting_expires_at=user.vetting_expires_at,
        last_login_at=user.last_login_at,
        mfa_enrolled=user.mfa_enrolled_at is not None,
        created_at=user.created_at,
    )


def me_read(member: MemberWithAuthority) -> MeOut:
    user, authority = member
    return me_out(user, authority_ref(authority))


def me_read_of_row(row: Any) -> MeOut:
    """From repository.own_profile_row."""
    authority = (
        AuthorityRef(
            id=row.authority_id, name=row.authority_name, state_code=row.authority_state_code
        )
        if row.authority_id is not None and row.authority_name is not None
        else None
    )
    return me_out(row, authority)


def me_out(user: User | Any, authority: AuthorityRef | None) -> MeOut:
    return MeOut(
        id=user.id,
        email=user.email,
        full_name=user.full_name,
        handle=user.handle,
        position=user.position,
        roles=sorted(user.roles),
        authority=authority,
        status=user.status,
        focal_point=user.focal_point,
        vetting_expires_at=user.vetting_expires_at,
        vetting_expired=vetting_lapsed(user.vetting_expires_at, datetime.now(UTC)),
        mfa_enrolled=user.mfa_enrolled_at is not None,
    )


def step_read(step: VettingStep, actors: dict[uuid.UUID, User] | None = None) -> VettingStepRead:
    data = VettingStepRead.model_validate(step, from_attributes=True)
    who = (actors or {}).get(step.actor_user_id) if step.actor_user_id else None
    if who is not None:
        data.actor = StepActor(id=who.id, handle=who.handle, full_name=who.full_name)
    return data


def progress_step_read(step: VettingStep) -> ProgressStepRead:
    return ProgressStepRead(step=step.step, roles=list(step.roles), created_at=step.created_at)


def application_read(
    application: Application,
    steps: list[VettingStep] | None = None,
    *,
    actors: dict[uuid.UUID, User] | None = None,
    actions: list[str] | None = None,
) -> ApplicationRead:
    data = ApplicationRead.model_validate(application, from_attributes=True)
    if steps is not None:
        data.steps = [step_read(s, actors) for s in steps if s.application_id == application.id]
    data.allowed_actions = actions or []
    return data


def application_record_read(record: ApplicationRecord) -> ApplicationRead:
    return application_read(
        record.application, record.steps, actors=record.actors, actions=record.actions
    )
