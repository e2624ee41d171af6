"""Who may hear of a case now: the members its events reach (realtime and notifications).

Asked per event, never cached: a member removed from a case stops hearing of it at once.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.cases import repository
from app.cases.access import case_side, load_case
from app.cases.exceptions import CaseNotFound
from app.identity import service as identity_service
from app.models.base import utcnow
from app.models.identity import User


def _actor_of(user: User) -> Actor:
    return Actor.for_member(
        user_id=user.id,
        roles=user.roles,
        authority_id=user.authority_id,
        focal_point=user.focal_point,
        handle=user.handle,
        vetting_expires_at=user.vetting_expires_at,
        now=utcnow(),
    )


async def is_participant(
    session: AsyncSession, actor_or_user_id: Actor | uuid.UUID, case_id: uuid.UUID
) -> bool:
    """Whether this member may see the case now (the realtime audience check)."""
    if isinstance(actor_or_user_id, Actor):
        actor = actor_or_user_id
    else:
        user = await identity_service.get_member(session, actor_or_user_id)
        if user is None or user.status != "active":
            return False
        actor = _actor_of(user)
    try:
        await load_case(session, actor, case_id)
    except CaseNotFound:
        return False
    return True


async def participant_user_ids(session: AsyncSession, case_id: uuid.UUID) -> list[uuid.UUID]:
    """Every active member who may see the case now (for notifications)."""
    case = await repository.case_by_id(session, case_id)
    if case is None:
        return []
    now = utcnow()
    participants = {p.user_id: p for p in await repository.participants_of_case(session, case_id)}
    users = await identity_service.active_members_of_authorities_or_ids(
        session,
        authority_ids=[case.requesting_authority_id, case.requested_authority_id],
        user_ids=list(participants),
    )
    return [
        user.id
        for user in users
        if case_side(case, _actor_of(user), participants.get(user.id), now) is not None
    ]


async def readers_among(
    session: AsyncSession, case_id: uuid.UUID, actors: list[Actor]
) -> set[uuid.UUID]:
    """Those of `actors` who may see the case now, judged on the actors themselves (service
    accounts, whose rights come with their token rather than their member row). One query
    for the case and one for its participants, no refusal recorded."""
    case = await repository.case_by_id(session, case_id)
    if case is None:
        return set()
    now = utcnow()
    participants = {p.user_id: p for p in await repository.participants_of_case(session, case_id)}
    return {
        actor.user_id
        for actor in actors
        if actor.user_id is not None
        and case_side(case, actor, participants.get(actor.user_id), now) is not None
    }
