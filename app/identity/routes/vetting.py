"""The vetting queue: focal points endorse, moderators decide and re-attest."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from app.auth.actor import Actor
from app.auth.dependencies import CurrentUser, RequirePermission
from app.auth.permissions import Permission
from app.core.pagination import Cursor, Key, Limit, Page, decode_cursor
from app.db import DbSession
from app.identity.routes.responses import (
    application_read,
    application_record_read,
    step_read,
    user_read,
)
from app.identity.schemas import (
    ApplicationRead,
    DecisionIn,
    EndorseIn,
    ReattestIn,
    UserRead,
    VettingDueRead,
    VettingRecordOut,
    VettingStepRead,
)
from app.identity.vetting import expiry, review

router = APIRouter(tags=["vetting"])

Status = Literal[
    "pending_email", "pending_review", "info_requested", "approved", "rejected", "expired"
]


@router.get("/vetting/applications", response_model=Page[ApplicationRead])
async def list_applications(
    actor: CurrentUser,
    session: DbSession,
    status: Status | None = None,
    queue: Annotated[
        review.Queue,
        Query(
            description="endorse: a focal point's own authority's applications that wait for "
            "their endorsement (else 403)"
        ),
    ] = "review",
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[ApplicationRead]:
    """The vetting queue (default: awaiting review); focal points see their authority's."""
    after = decode_cursor(cursor, Key.datetime, Key.uuid)
    items, next_cursor = await review.list_applications(
        session, actor=actor, status=status, queue=queue, after=after, limit=limit
    )
    return Page(
        items=[application_read(a, actions=review.application_actions(actor, a)) for a in items],
        next_cursor=next_cursor,
    )


@router.get("/vetting/applications/{application_id}", response_model=ApplicationRead)
async def get_application(
    application_id: uuid.UUID, actor: CurrentUser, session: DbSession
) -> ApplicationRead:
    """One application with its vetting steps, who took each, and what the caller may do."""
    return application_record_read(
        await review.read_application(session, application_id=application_id, actor=actor)
    )


@router.post("/vetting/applications/{application_id}/endorse", response_model=ApplicationRead)
async def endorse(
    application_id: uuid.UUID, body: EndorseIn, actor: CurrentUser, session: DbSession
) -> ApplicationRead:
    """The focal point of the applicant's authority vouches for them (or does not know them)."""
    record = await review.endorse_application(
        session,
        application_id=application_id,
        endorsement=body.endorsement,
        note=body.note,
        actor=actor,
    )
    return application_record_read(record)


@router.post(
    "/vetting/applications/{application_id}/decision",
    response_model=ApplicationRead,
    # Checked before the body is parsed, so a non-moderator learns nothing from a 422.
)
async def decide(
    application_id: uuid.UUID,
    body: DecisionIn,
    request: Request,
    actor: Annotated[Actor, RequirePermission(Permission.VETTING_REVIEW)],
    session: DbSession,
) -> ApplicationRead:
    """A moderator approves (with roles), rejects (with a reason) or requests information.

    Approving an application its focal point has not endorsed needs
    `endorsement_override_reason` (else 409 `endorsement-required`).
    """
    record = await review.decide_application(
        session,
        application_id=application_id,
        decision=body.decision,
        roles=body.roles,
        note=body.note,
        checks=body.checks,
        endorsement_override_reason=body.endorsement_override_reason,
        base_url=str(request.app.state.settings.base_url),
        actor=actor,
    )
    return application_record_read(record)


@router.get("/users/{user_id}/vetting", response_model=VettingRecordOut)
async def vetting_record(
    user_id: uuid.UUID, actor: CurrentUser, session: DbSession
) -> VettingRecordOut:
    """A member's full vetting record: every step, who took it, when, with which checks."""
    record = await review.read_vetting_record(session, user_id=user_id, actor=actor)
    return VettingRecordOut(
        user_id=record.user.id,
        vetted_at=record.user.vetted_at,
        vetting_expires_at=record.user.vetting_expires_at,
        applications=[application_read(a) for a in record.applications],
        steps=[step_read(s, record.actors) for s in record.steps],
        allowed_actions=record.actions,
    )


@router.get("/vetting/members", response_model=Page[VettingDueRead])
async def members_by_vetting_expiry(
    actor: CurrentUser,
    session: DbSession,
    lapse: Annotated[
        expiry.Lapse | None,
        Query(description="soon: not lapsed yet; lapsed: lapsed already; neither: both"),
    ] = None,
    within_days: Annotated[
        int, Query(ge=1, le=366, description="how soon counts as soon, in days")
    ] = 30,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[VettingDueRead]:
    """Members whose vetting lapses soon or has lapsed, the earliest expiry first (moderators)."""
    found, next_cursor = await expiry.list_members_by_vetting_expiry(
        session,
        actor=actor,
        lapse=lapse,
        within_days=within_days,
        after=decode_cursor(cursor, Key.datetime, Key.uuid),
        limit=limit,
    )
    return Page(
        items=[
            VettingDueRead(**user_read(member).model_dump(), vetting_lapsed=lapsed)
            for member, lapsed in found
        ],
        next_cursor=next_cursor,
    )


@router.post(
    "/users/{user_id}/reattest",
    response_model=UserRead,
)
async def reattest(
    user_id: uuid.UUID,
    body: ReattestIn,
    actor: Annotated[Actor, RequirePermission(Permission.VETTING_REVIEW)],
    session: DbSession,
) -> UserRead:
    """A moderator renews a member's vetting for another period."""
    member = await review.reattest_member(
        session, user_id=user_id, note=body.note, checks=body.checks, actor=actor
    )
    return user_read(member)


@router.post("/users/{user_id}/vouch", response_model=VettingStepRead, status_code=201)
async def vouch(
    user_id: uuid.UUID, body: ReattestIn, actor: CurrentUser, session: DbSession
) -> VettingStepRead:
    """The focal point of the member's authority vouches for them before re-attestation."""
    step = await review.vouch_for_member(session, user_id=user_id, note=body.note, actor=actor)
    return step_read(step)
