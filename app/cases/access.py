"""Who may see a case, and on which side they stand.

Need-to-know: a case exists only for its participants. Officers of the requesting authority
see it (the requested authority's once it is submitted or shared as a draft), unless it is
restricted to assigned officers (focal points of both authorities still see it, to route it);
assigned officers and invited observers (until their invitation ends) see it. Everyone else,
admins, moderators and auditors included, gets 404 on every route: existence never leaks.

`case_side` (Python, one loaded row) and `readable_clause` (SQL, lists and search) state the
same rule twice; tests pin them to each other.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.auth.actor import Actor
from app.auth.permissions import Permission, Role
from app.cases import repository
from app.cases.exceptions import CaseNotFound, CaseNotVisible
from app.core.audit import Target
from app.core.errors import AppError
from app.core.refusal import refuse
from app.models.base import utcnow
from app.models.cases import Case, CaseParticipant


@dataclass(slots=True)
class CaseView:
    """A case as one actor sees it."""

    case: Case
    side: str  # requesting | requested | observer
    participant: CaseParticipant | None
    focal_point: bool = False  # the viewer is a focal point of their authority
    moderator: bool = False  # the viewer also holds the moderator role (legal holds)

    @property
    def is_party(self) -> bool:
        return self.side in ("requesting", "requested")

    @property
    def may_manage_participants(self) -> bool:
        """Focal points of either side, and the case's assigned officers, invite and remove."""
        if not self.is_party:
            return False
        if self.focal_point:
            return True
        active = active_participation(self.participant, utcnow())
        return active is not None and active.role == "assigned"

    @property
    def authority_ids(self) -> list[uuid.UUID]:
        return [self.case.requesting_authority_id, self.case.requested_authority_id]


def active_participation(
    participant: CaseParticipant | None, now: datetime
) -> CaseParticipant | None:
    if participant is None or participant.revoked_at is not None:
        return None
    if participant.expires_at is not None and participant.expires_at <= now:
        return None
    return participant


def authority_side(case: Case, actor: Actor) -> str | None:
    """The side the actor's authority stands on, for an officer; None otherwise."""
    if not actor.has_role(Role.OFFICER) or actor.authority_id is None:
        return None
    if actor.authority_id == case.requesting_authority_id:
        return "requesting"
    if actor.authority_id == case.requested_authority_id and (
        case.status != "draft" or case.shared_for_consultation
    ):
        return "requested"
    return None


def case_side(
    case: Case, actor: Actor, participant: CaseParticipant | None, now: datetime
) -> str | None:
    """requesting | requested | observer, or None when the actor may not see the case."""
    if not actor.can(Permission.CASE_ACCESS):
        return None
    active = active_participation(participant, now)
    if active is not None and active.role == "observer":
        return "observer"
    side = authority_side(case, actor)
    if side is None:
        return None
    if not case.restricted or actor.focal_point:
        return side
    if active is not None and active.role == "assigned":
        return side
    return None


def _active_participant(actor: Actor, role: str, now: datetime) -> Any:
    return sa.exists().where(
        col(CaseParticipant.case_id) == col(Case.id),
        col(CaseParticipant.user_id) == actor.user_id,
        col(CaseParticipant.role) == role,
        col(CaseParticipant.revoked_at).is_(None),
        sa.or_(col(CaseParticipant.expires_at).is_(None), col(CaseParticipant.expires_at) > now),
    )


def readable_clause(actor: Actor, now: datetime | None = None) -> Any:
    """SQL condition on `cases` for the rows `actor` may see (same rule as case_side)."""
    now = now or utcnow()
    if not actor.can(Permission.CASE_ACCESS) or actor.user_id is None:
        return sa.false()
    conditions = [_active_participant(actor, "observer", now)]
    if actor.has_role(Role.OFFICER) and actor.authority_id is not None:
        side_ok = sa.or_(
            col(Case.requesting_authority_id) == actor.authority_id,
            sa.and_(
                col(Case.requested_authority_id) == actor.authority_id,
                sa.or_(col(Case.status) != "draft", col(Case.shared_for_consultation)),
            ),
        )
        if actor.focal_point:
            conditions.append(side_ok)
        else:
            conditions.append(
                sa.and_(
                    side_ok,
                    sa.or_(
                        sa.not_(col(Case.restricted)),
                        _active_participant(actor, "assigned", now),
                    ),
                )
            )
    return sa.or_(*conditions)


async def load_case(
    session: AsyncSession, actor: Actor, case_id: uuid.UUID, *, for_update: bool = False
) -> CaseView:
    """The case and the actor's side in one query, or 404 (CaseNotVisible if it exists)."""
    found = await repository.case_with_participation(
        session, case_id, actor.user_id, for_update=for_update
    )
    if found is None:
        raise CaseNotFound()
    case, participant = found
    side = case_side(case, actor, participant, utcnow())
    if side is None:
        await deny(session, actor, CaseNotVisible(case.id), case_id=case.id)
    return CaseView(
        case=case,
        side=side,
        participant=participant,
        focal_point=actor.focal_point,
        moderator=actor.has_role(Role.MODERATOR),
    )


async def deny(
    session: AsyncSession, actor: Actor, error: AppError, *, case_id: uuid.UUID | None
) -> NoReturn:
    """Refuse an action on a case (or on case figures): audited as `case.access.denied`.

    A 404 for a case that does not exist is not a refusal and is not recorded; a case that
    exists but is not the caller's answers the same 404, and that probe is recorded.
    """
    await refuse(
        session,
        error,
        actor=actor,
        action="case.access.denied",
        target=Target("case", case_id) if case_id is not None else None,
    )


async def refuse_without_case_access(
    session: AsyncSession, actor: Actor, case_id: uuid.UUID | None
) -> NoReturn:
    """404 to a member without case access, as if no case existed; probing one that does
    exist is still recorded as a denial."""
    if case_id is not None and await repository.case_by_id(session, case_id) is not None:
        await deny(session, actor, CaseNotVisible(case_id), case_id=case_id)
    raise CaseNotFound()
