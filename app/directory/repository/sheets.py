"""Requirement sheets: what a State requires for each type of request (and measure)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.models.directory import RequirementSheet

# The finder and the cases' legal basis read this on every answer: built once.
_SHEETS_FOR = select(RequirementSheet).where(
    col(RequirementSheet.state_code) == sa.bindparam("state_code"),
    col(RequirementSheet.request_type) == sa.bindparam("request_type"),
    col(RequirementSheet.measure).in_(sa.bindparam("measures", expanding=True)),
)


async def sheet_for(
    session: AsyncSession, state_code: str, request_type: str, measure: str | None
) -> RequirementSheet | None:
    """The measure's own sheet if there is one, else the general sheet of the request type."""
    measures = ["", measure] if measure else [""]
    params = {"state_code": state_code, "request_type": request_type, "measures": measures}
    rows = (await session.execute(_SHEETS_FOR, params)).scalars().all()
    return max(rows, key=lambda s: s.measure != "", default=None)


async def sheet_with_key(
    session: AsyncSession, state_code: str, request_type: str, measure: str | None
) -> RequirementSheet | None:
    """Exactly the sheet of this request type and measure (None: the general sheet)."""
    return await session.scalar(
        select(RequirementSheet).where(
            col(RequirementSheet.state_code) == state_code,
            col(RequirementSheet.request_type) == request_type,
            col(RequirementSheet.measure) == (measure or ""),
        )
    )


async def sheet_by_id(session: AsyncSession, sheet_id: uuid.UUID) -> RequirementSheet | None:
    return await session.get(RequirementSheet, sheet_id)


async def sheets_by_id(
    session: AsyncSession, sheet_ids: list[uuid.UUID]
) -> dict[uuid.UUID, RequirementSheet]:
    """The sheets among these ids (one query)."""
    if not sheet_ids:
        return {}
    rows = await session.execute(
        select(RequirementSheet).where(col(RequirementSheet.id).in_(sheet_ids))
    )
    return {s.id: s for s in rows.scalars().all()}


async def sheets_of_state(
    session: AsyncSession, state_code: str, *, request_type: str | None = None
) -> list[RequirementSheet]:
    stmt = select(RequirementSheet).where(col(RequirementSheet.state_code) == state_code)
    if request_type:
        stmt = stmt.where(col(RequirementSheet.request_type) == request_type)
    stmt = stmt.order_by(col(RequirementSheet.request_type), col(RequirementSheet.measure))
    return list((await session.execute(stmt)).scalars().all())


async def every_sheet(session: AsyncSession) -> list[RequirementSheet]:
    """Every sheet, by state, request type and measure (the export)."""
    rows = await session.execute(
        select(RequirementSheet).order_by(
            col(RequirementSheet.state_code),
            col(RequirementSheet.request_type),
            col(RequirementSheet.measure),
        )
    )
    return list(rows.scalars())
