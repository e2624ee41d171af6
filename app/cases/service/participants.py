"""Assigned officers and invited observers of a case."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.auth.permissions import Permission, Role, permissions_for
from app.cases import repository, timeline
from app.cases.access import CaseView, active_participation, deny, load_case
from app.cases.exceptions import AlreadyParticipant, NotAParticipant, NotParticipantManager
from app.cases.schemas import ParticipantCreate, ParticipantRead
from app.cases.service.receipts import record_receipt_if_due
from app.core import audit, events
from app.core.audit import Target
from app.core.errors import ValidationFailed
from app.core.events import Audience
from app.identity import service as identity_service
from app.models.base import utcnow
from app.models.cases import CaseParticipant
from app.models.identity import User

MAX_OBSERVATION = timedelta(days=366)


def _read(participant: CaseParticipant, user: User | None) -> ParticipantRead:
    return ParticipantRead(
        user_id=participant.user_id,
        full_name=user.full_name if user else None,
        handle=user.handle if user else None,
        authority_id=user.authority_id if user else None,
        role=participant.role,
        invited_by=participant.invited_by,
        note=participant.note,
        expires_at=participant.expires_at,
        revoked_at=participant.revoked_at,
        active=active_participation(participant, utcnow()) is not None,
        created_at=participant.created_at,
    )


async def _invitee(session: AsyncSession, data: ParticipantCreate) -> User | None:
    if data.user_id is not None:
        return await identity_service.get_member(session, data.user_id)
    handle = (data.handle or "").strip().lstrip("@").lower()
    return (await identity_service.members_by_handles(session, [handle])).get(handle)


async def invite_participant(
    session: AsyncSession, *, actor: Actor, case_id: uuid.UUID, data: ParticipantCreate
) -> ParticipantRead:
    """Invite an observer for a limited time, or assign an officer of the actor's side."""
    view = await load_case(session, actor, case_id, for_update=True)
    await record_receipt_if_due(session, actor=actor, view=view)
    case = view.case
    if not view.may_manage_participants:
        await deny(session, actor, NotParticipantManager("invites"), case_id=case.id)
    # Problems with the member are reported on the field the caller named them by.
    who = "user_id" if data.user_id is not None else "handle"
    user = await _invitee(session, data)
    if user is None or user.status != "active":
        raise ValidationFailed(errors=[{"field": who, "message": "no such active member"}])
    if Permission.CASE_ACCESS not in permissions_for(frozenset(user.roles)):
        raise ValidationFailed(
            errors=[{"field": who, "message": "only officers and liaison magistrates"}]
        )
    now = utcnow()
    side_authority = (
        case.requesting_authority_id if view.side == "requesting" else case.requested_authority_id
    )
    if data.role == "assigned":
        if user.authority_id != side_authority or Role.OFFICER.value not in user.roles:
            raise ValidationFailed(
                errors=[{"field": who, "message": "assign an officer of your own side"}]
            )
        expires_at = data.expires_at
    else:
        if user.authority_id in (case.requesting_authority_id, case.requested_authority_id):
            raise ValidationFailed(
                errors=[{"field": who, "message": "colleagues of either side are assigned"}]
            )
        if data.expires_at is None:
            raise ValidationFailed(
                errors=[{"field": "expires_at", "message": "an observer's invitation ends"}]
            )
        expires_at = data.expires_at
    if expires_at is not None and not (now < expires_at <= now + MAX_OBSERVATION):
        raise ValidationFailed(
            errors=[{"field": "expires_at", "message": "in the future, within a year"}]
        )
    existing = await repository.participation(session, case.id, user.id)
    if existing is not None and active_participation(existing, now) is not None:
        raise AlreadyParticipant()
    participant = existing or CaseParticipant(case_id=case.id, user_id=user.id, role=data.role)
    participant.role = data.role
    participant.invited_by = actor.user_id
    participant.note = data.note
    participant.expires_at = expires_at
    participant.revoked_at = None
    participant.created_at = now
    session.add(participant)
    timeline.add_entry(
        session,
        case,
        kind="participant_invited",
        actor=actor,
        data={
            "user_id": str(user.id),
            "role": data.role,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
        at=now,
    )
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="case.participant.invited",
        target=Target("case", case.id),
        details={"user_id": str(user.id), "role": data.role, "expires_at": expires_at},
        authority_ids=[*view.authority_ids, user.authority_id],
    )
    # Addressed to the invited member alone: they hear of the case they may now follow.
    await events.publish(
        session,
        "case.participant.invited",
        {"case_id": case.id},
        audience=Audience.of("user", user.id),
    )
    return _read(participant, user)


async def remove_participant(
    session: AsyncSession, *, actor: Actor, case_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    """End an invitation or an assignment now."""
    view = await load_case(session, actor, case_id, for_update=True)
    await record_receipt_if_due(session, actor=actor, view=view)
    if not view.may_manage_participants:
        await deny(session, actor, NotParticipantManager("removes"), case_id=case_id)
    now = utcnow()
    participant = await repository.participation(session, case_id, user_id)
    if participant is None or active_participation(participant, now) is None:
        raise NotAParticipant()
    participant.revoked_at = now
    timeline.add_entry(
        session,
        view.case,
        kind="participant_removed",
        actor=actor,
        data={"user_id": str(user_id), "role": participant.role},
        at=now,
    )
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="case.participant.removed",
        target=Target("case", case_id),
        details={"user_id": str(user_id), "role": participant.role},
        authority_ids=view.authority_ids,
    )


async def list_participants(
    session: AsyncSession, *, actor: Actor, view: CaseView
) -> list[ParticipantRead]:
    """Assigned officers and observers, past ones included (their end shows)."""
    case_id = view.case.id
    items = await all_participants(session, case_id)
    await audit.record(
        session,
        actor=actor,
        action="case.participants.viewed",
        target=Target("case", case_id),
        details={"count": len(items)},
        authority_ids=view.authority_ids,
    )
    return items


async def all_participants(session: AsyncSession, case_id: uuid.UUID) -> list[ParticipantRead]:
    participants = await repository.participants_of_case(session, case_id)
    members = await identity_service.members_by_ids(session, [p.user_id for p in participants])
    return [_read(p, members[p.user_id]) for p in participants if p.user_id in members]
