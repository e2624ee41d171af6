"""Queries on a case's timeline: its entries, its status changes."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.models.cases import CaseTimelineEntry

_UUID = sa.Uuid()


_TIMELINE_OF_CASE = (
    select(CaseTimelineEntry)
    .where(col(CaseTimelineEntry.case_id) == sa.bindparam("case_id", type_=_UUID))
    .order_by(col(CaseTimelineEntry.created_at), col(CaseTimelineEntry.id))
)
_STATUS_CHANGES = (
    select(col(CaseTimelineEntry.to_status), col(CaseTimelineEntry.created_at))
    .where(
        col(CaseTimelineEntry.case_id) == sa.bindparam("case_id", type_=_UUID),
        col(CaseTimelineEntry.to_status).is_not(None),
        sa.or_(
            col(CaseTimelineEntry.from_status).is_(None),
            col(CaseTimelineEntry.from_status) != col(CaseTimelineEntry.to_status),
        ),
    )
    .order_by(col(CaseTimelineEntry.created_at), col(CaseTimelineEntry.id))
)
_STATUS_BEFORE = (
    select(col(CaseTimelineEntry.from_status))
    .where(
        col(CaseTimelineEntry.case_id) == sa.bindparam("case_id", type_=_UUID),
        col(CaseTimelineEntry.kind) == "transition",
        col(CaseTimelineEntry.action) == sa.bindparam("action"),
    )
    .order_by(col(CaseTimelineEntry.created_at).desc(), col(CaseTimelineEntry.id).desc())
    .limit(1)
)


async def timeline_entry_by_id(
    session: AsyncSession, entry_id: uuid.UUID | None
) -> CaseTimelineEntry | None:
    return await session.get(CaseTimelineEntry, entry_id)


async def timeline_of_case(session: AsyncSession, case_id: uuid.UUID) -> list[CaseTimelineEntry]:
    """The case's stored timeline entries, oldest first."""
    return list((await session.execute(_TIMELINE_OF_CASE, {"case_id": case_id})).scalars())


async def status_changes_of_case(
    session: AsyncSession, case_id: uuid.UUID
) -> list[tuple[str | None, datetime]]:
    """(status entered, when) for every entry that changed the case's status, oldest first."""
    rows = await session.execute(_STATUS_CHANGES, {"case_id": case_id})
    return [(row[0], row[1]) for row in rows.all()]


async def status_before(session: AsyncSession, case_id: uuid.UUID, action: str) -> str | None:
    """The status the case left the last time `action` moved it, or None if it never did."""
    params = {"case_id": case_id, "action": action}
    status: str | None = await session.scalar(_STATUS_BEFORE, params)
    return status
