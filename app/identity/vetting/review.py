"""The reviewers' side: the queue, focal point endorsement, moderator decisions, re-attestation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.auth.permissions import PRIVILEGED_ROLES, ROLE_NAMES, Permission
from app.core import audit, events, metrics
from app.core.audit import Target
from app.core.errors import Conflict, Forbidden, ValidationFailed
from app.core.events import Audience
from app.core.pagination import page
from app.identity import mails, repository
from app.identity.access import access_application, can_see_queue, is_focal_point_for
from app.identity.exceptions import (
    EndorsementPresent,
    EndorsementRequired,
    MemberNotFound,
    OwnVettingForbidden,
)
from app.identity.repository import MemberWithAuthority
from app.identity.settings import identity_settings
from app.identity.vetting.applications import new_info_token
from app.identity.vetting.suspension import status_actions
from app.models.identity import Application, User, VettingStep

REVIEWABLE = ("pending_review", "info_requested")

# Waiting for a moderator (info_requested waits for the applicant, pending_email for a click).
metrics.database_gauge(
    "canet_vetting_backlog",
    "Membership applications waiting for a moderator's review.",
    "SELECT count(*) FROM applications WHERE status = 'pending_review'",
)
STATUSES = ("pending_email", "pending_review", "info_requested", "approved", "rejected", "expired")
DECISIONS = ["approve", "reject", "request_info"]

Queue = Literal["review", "endorse"]


@dataclass(frozen=True, slots=True)
class ApplicationRecord:
    """An application with its steps, who took them, and what the reader may do to it now."""

    application: Application
    steps: list[VettingStep]
    actors: dict[uuid.UUID, User]
    actions: list[str]


@dataclass(frozen=True, slots=True)
class MemberRecord:
    """A member's whole vetting record and what the reader may do about the member now."""

    user: User
    applications: list[Application]
    steps: list[VettingStep]
    actors: dict[uuid.UUID, User]
    actions: list[str]


def application_actions(actor: Actor, application: Application) -> list[str]:
    """What the actor may do to the application now: the rules of endorse and decide."""
    if application.status not in REVIEWABLE:
        return []
    actions = ["endorse"] if is_focal_point_for(actor, application.authority_id) else []
    if actor.can(Permission.VETTING_REVIEW):
        actions += DECISIONS
    return actions


async def list_applications(
    session: AsyncSession,
    *,
    actor: Actor,
    status: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
    queue: Queue = "review",
) -> tuple[list[Application], str | None]:
    """A page of the vetting queue, oldest first: every application for moderators, their
    authority's for focal points; with `queue=endorse`, the focal point's own authority's
    applications their endorsement still waits for. And the cursor of the next page."""
    if queue == "endorse":
        if not actor.focal_point or actor.authority_id is None:
            raise Forbidden("Only focal points endorse applications.")
        authority_id: uuid.UUID | None = actor.authority_id
    elif not can_see_queue(actor):
        raise Forbidden("Only moderators and focal points see the vetting queue.")
    else:
        authority_id = None if actor.can(Permission.VETTING_REVIEW) else actor.authority_id
    rows = await repository.applications_page(
        session,
        authority_id=authority_id,
        statuses=(status,) if status else REVIEWABLE,
        awaiting_endorsement=queue == "endorse",
        after=after,
        limit=limit + 1,
    )
    return page(rows, limit, key=lambda a: (a.created_at, a.id))


async def _step_actors(session: AsyncSession, steps: list[VettingStep]) -> dict[uuid.UUID, User]:
    return await repository.members_by_ids(
        session, list({s.actor_user_id for s in steps if s.actor_user_id is not None})
    )


async def _record(
    session: AsyncSession, application: Application, actor: Actor
) -> ApplicationRecord:
    steps = await repository.vetting_steps(session, application_ids=[application.id])
    return ApplicationRecord(
        application,
        steps,
        await _step_actors(session, steps),
        application_actions(actor, application),
    )


async def read_application(
    session: AsyncSession, *, application_id: uuid.UUID, actor: Actor
) -> ApplicationRecord:
    """One application with its vetting steps (its reviewers only, else 404)."""
    application = await access_application(session, actor, application_id)
    return await _record(session, application, actor)


async def endorse_application(
    session: AsyncSession,
    *,
    application_id: uuid.UUID,
    endorsement: Literal["endorse", "unknown"],
    note: str | None,
    actor: Actor,
) -> ApplicationRecord:
    """The focal point vouches for the applicant, or says they do not know them."""
    application = await access_application(session, actor, application_id, for_write=True)
    if not is_focal_point_for(actor, application.authority_id):
        raise Forbidden("Only the focal point of the applicant's authority can endorse.")
    if application.status not in REVIEWABLE:
        raise Conflict(f"The application is {application.status}.")
    application.endorsement = "endorsed" if endorsement == "endorse" else "unknown"
    application.endorsed_by = actor.user_id
    session.add(
        VettingStep(
            application_id=application.id,
            step="endorsed" if endorsement == "endorse" else "unknown",
            actor_user_id=actor.user_id,
            note=note,
        )
    )
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="vetting.application.endorsed",
        target=Target("application", application.id),
        details={"endorsement": application.endorsement},
        authority_ids=[application.authority_id],
    )
    return await _record(session, application, actor)


def _check_roles(roles: list[str]) -> list[str]:
    unknown = sorted(set(roles) - ROLE_NAMES)
    if unknown:
        raise ValidationFailed(
            "Unknown roles.", errors=[{"field": "roles", "message": f"unknown: {unknown}"}]
        )
    if not roles:
        raise ValidationFailed(
            "Approval needs roles.", errors=[{"field": "roles", "message": "give at least one"}]
        )
    if set(roles) & PRIVILEGED_ROLES:
        # Privileged roles go through the four-eyes path (PATCH /users/{id}) only.
        raise ValidationFailed(
            "Admin and moderator are granted later with a second admin's confirmation.",
            errors=[{"field": "roles", "message": "admin/moderator need four-eyes approval"}],
        )
    return sorted(set(roles))


def _override_reason(decision: str, reason: str | None) -> str | None:
    if reason is None:
        return None
    if decision != "approve":
        raise ValidationFailed(
            "Only an approval can override the focal point's endorsement.",
            errors=[{"field": "endorsement_override_reason", "message": "approve only"}],
        )
    if not reason.strip():
        raise ValidationFailed(
            "Give the reason for approving without the focal point's endorsement.",
            errors=[{"field": "endorsement_override_reason", "message": "must not be blank"}],
        )
    return reason.strip()


def _check_endorsement(application: Application, override: str | None) -> None:
    """The focal point vouches for an applicant before approval, unless a moderator says why not."""
    endorsed = application.endorsement == "endorsed"
    if not endorsed and override is None:
        raise EndorsementRequired(application.endorsement)
    if endorsed and override is not None:
        # A recorded override must mean one happened: nothing to override here.
        raise EndorsementPresent()


async def decide_application(
    session: AsyncSession,
    *,
    application_id: uuid.UUID,
    decision: Literal["approve", "reject", "request_info"],
    roles: list[str],
    note: str | None,
    checks: list[str],
    base_url: str,
    actor: Actor,
    endorsement_override_reason: str | None = None,
) -> ApplicationRecord:
    """A moderator approves (creating the member), rejects, or asks the applicant more."""
    application = await access_application(session, actor, application_id, for_write=True)
    if not actor.can(Permission.VETTING_REVIEW):
        raise Forbidden("Only moderators decide on applications.")
    if application.status not in REVIEWABLE:
        raise Conflict(f"The application is {application.status}.")
    if decision in ("reject", "request_info") and not (note or "").strip():
        raise ValidationFailed(
            "Say why.", errors=[{"field": "note", "message": "required for this decision"}]
        )
    override = _override_reason(decision, endorsement_override_reason)
    granted = _check_roles(roles) if decision == "approve" else []
    if decision == "approve":
        _check_endorsement(application, override)
    now = datetime.now(UTC)
    step = VettingStep(
        application_id=application.id,
        step={"approve": "approved", "reject": "rejected", "request_info": "info_requested"}[
            decision
        ],
        actor_user_id=actor.user_id,
        note=note,
        checks=sorted(set(checks)),
    )
    details: dict[str, object] = {"decision": decision, "checks": step.checks}
    if decision == "approve":
        details["endorsement"] = application.endorsement
        if override is not None:
            application.endorsement_override_reason = override
            step.endorsement_override_reason = override
            details["endorsement_override_reason"] = override
        if await repository.member_id_by_email(session, application.email):
            raise Conflict("A member with this email address exists already.")
        user = User(
            email=application.email,
            handle=application.handle,
            full_name=application.full_name,
            position=application.position,
            password_hash=application.password_hash,
            roles=granted,
            authority_id=application.authority_id,
            vetted_at=now,
            vetting_expires_at=now + timedelta(days=identity_settings().vetting_validity_days),
        )
        session.add(user)
        await session.flush()
        application.user_id = user.id
        application.status = "approved"
        step.user_id = user.id
        step.roles = granted
        details |= {"user_id": str(user.id), "roles": granted}
        await mails.send_decision(
            session,
            to=application.email,
            name=application.full_name,
            approved=True,
            reason=None,
            base_url=base_url,
        )
    elif decision == "reject":
        application.status = "rejected"
        await mails.send_decision(
            session,
            to=application.email,
            name=application.full_name,
            approved=False,
            reason=note,
            base_url=base_url,
        )
    else:
        application.status = "info_requested"
        token = await new_info_token(session, application)
        await mails.send_info_request(
            session,
            to=application.email,
            name=application.full_name,
            question=note or "",
            base_url=base_url,
            token=token,
        )
    application.decided_by = actor.user_id
    application.decided_at = now
    application.decision_note = note
    session.add(step)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action=f"vetting.application.{step.step}",
        target=Target("application", application.id),
        details=details,
        authority_ids=[application.authority_id],
    )
    if application.user_id is not None and decision == "approve":
        # The new member's "decision on your membership" notification; a rejected or
        # questioned applicant has no account and hears by mail only.
        await events.publish(
            session,
            "vetting.decided",
            {
                "application_id": application.id,
                "user_id": application.user_id,
                "decision": decision,
            },
            audience=Audience.of("user", application.user_id),
        )
    return await _record(session, application, actor)


async def reattest_member(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    note: str | None,
    checks: list[str],
    actor: Actor,
) -> MemberWithAuthority:
    """A moderator renews a member's vetting for another period; the member and their
    authority after it."""
    if not actor.can(Permission.VETTING_REVIEW):
        raise Forbidden("Only moderators re-attest members.")
    user = await repository.member_by_id(session, user_id)
    if user is None:
        raise MemberNotFound()
    if user.id == actor.user_id:
        # Vetting is attested by someone else: a moderator never renews their own.
        raise OwnVettingForbidden()
    before = user.vetting_expires_at
    now = datetime.now(UTC)
    user.vetted_at = now
    user.vetting_expires_at = now + timedelta(days=identity_settings().vetting_validity_days)
    user.vetting_reminded_at = None
    session.add(
        VettingStep(
            user_id=user.id,
            step="reattested",
            actor_user_id=actor.user_id,
            note=note,
            checks=sorted(set(checks)),
        )
    )
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="vetting.member.reattested",
        target=Target("user", user.id),
        changes=audit.diff(
            {"vetting_expires_at": before}, {"vetting_expires_at": user.vetting_expires_at}
        ),
        details={"checks": sorted(set(checks))},
        authority_ids=[user.authority_id],
    )
    await events.publish(
        session,
        "vetting.decided",
        {"user_id": user.id, "decision": "reattest"},
        audience=Audience.of("user", user.id),
    )
    return (await repository.with_authorities(session, [user]))[0]


async def read_vetting_record(
    session: AsyncSession, *, user_id: uuid.UUID, actor: Actor
) -> MemberRecord:
    """Everything that happened in a member's vetting, oldest first."""
    if not actor.can(Permission.USERS_READ):
        raise Forbidden("Only admins and moderators read vetting records.")
    user = await repository.member_by_id(session, user_id)
    if user is None:
        raise MemberNotFound()
    applications = await repository.applications_of_member(session, user.id)
    steps = await repository.vetting_steps(
        session, application_ids=[a.id for a in applications], user_id=user.id
    )
    await audit.record(
        session,
        actor=actor,
        action="vetting.record.read",
        target=Target("user", user.id),
        authority_ids=[user.authority_id],
    )
    may_reattest = actor.can(Permission.VETTING_REVIEW) and user.id != actor.user_id
    return MemberRecord(
        user,
        applications,
        steps,
        await _step_actors(session, steps),
        (["reattest"] if may_reattest else []) + status_actions(actor, user),
    )


async def vouch_for_member(
    session: AsyncSession, *, user_id: uuid.UUID, note: str | None, actor: Actor
) -> VettingStep:
    """The focal point of a member's authority vouches for their re-attestation."""
    user = await repository.member_by_id(session, user_id)
    if user is None or user.authority_id is None or user.authority_id != actor.authority_id:
        raise MemberNotFound()
    if not actor.focal_point or user.id == actor.user_id:
        raise Forbidden("Only the focal point of the member's authority vouches for them.")
    step = VettingStep(user_id=user.id, step="vouched", actor_user_id=actor.user_id, note=note)
    session.add(step)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="vetting.member.vouched",
        target=Target("user", user.id),
        authority_ids=[user.authority_id],
    )
    return step
