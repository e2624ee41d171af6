"""Queries on a case's participations (assigned officers and invited observers)."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.models.cases import CaseParticipant

_UUID = sa.Uuid()


_PARTICIPANTS_OF_CASE = (
    select(CaseParticipant)
    .where(col(CaseParticipant.case_id) == sa.bindparam("case_id", type_=_UUID))
    .order_by(col(CaseParticipant.created_at))
)
_PARTICIPATION = select(CaseParticipant).where(
    col(CaseParticipant.case_id) == sa.bindparam("case_id", type_=_UUID),
    col(CaseParticipant.user_id) == sa.bindparam("user_id", type_=_UUID),
)
_LAPSED_PARTICIPATIONS = select(CaseParticipant).where(
    col(CaseParticipant.case_id) == sa.bindparam("case_id", type_=_UUID),
    col(CaseParticipant.revoked_at).is_(None),
    col(CaseParticipant.expires_at) <= sa.bindparam("now"),
)


async def participation(
    session: AsyncSession, case_id: uuid.UUID, user_id: uuid.UUID
) -> CaseParticipant | None:
    """The member's participation in the case, active or ended, if they ever had one."""
    params = {"case_id": case_id, "user_id": user_id}
    return (await session.execute(_PARTICIPATION, params)).scalar_one_or_none()


async def participants_of_case(session: AsyncSession, case_id: uuid.UUID) -> list[CaseParticipant]:
    """Every participation in the case, ended ones included, in the order they began."""
    return list((await session.execute(_PARTICIPANTS_OF_CASE, {"case_id": case_id})).scalars())


async def lapsed_participations(
    session: AsyncSession, case_id: uuid.UUID, now: datetime
) -> list[CaseParticipant]:
    """Participations whose end date has passed (not revoked: they ran out)."""
    params = {"case_id": case_id, "now": now}
    return list((await session.execute(_LAPSED_PARTICIPATIONS, params)).scalars())
