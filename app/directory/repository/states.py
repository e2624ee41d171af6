"""States (ISO 3166-1) and their UN M49 regions."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.models.directory import State

# The finder reads both States of every answer: built once.
_STATES_BY_CODE = select(State).where(col(State.code).in_(sa.bindparam("codes", expanding=True)))


async def states_by_code(session: AsyncSession, codes: list[str]) -> dict[str, State]:
    rows = (await session.execute(_STATES_BY_CODE, {"codes": codes})).scalars()
    return {s.code: s for s in rows}


async def state_by_code(session: AsyncSession, code: str) -> State | None:
    return await session.get(State, code)


async def known_state_codes(session: AsyncSession, codes: set[str]) -> set[str]:
    """Those of `codes` that name a state."""
    rows = await session.execute(select(State.code).where(col(State.code).in_(codes)))
    return set(rows.scalars())


async def region_of_state(session: AsyncSession, code: str) -> str | None:
    """The UN M49 region of the state, or None if unknown."""
    return await session.scalar(select(State.region).where(col(State.code) == code))


async def states_by_name(session: AsyncSession, *, region: str | None = None) -> list[State]:
    """Every state, or those of one M49 region, sub-region or intermediate region, by name."""
    stmt = select(State).order_by(col(State.name))
    if region:
        stmt = stmt.where(
            (col(State.region) == region)
            | (col(State.subregion) == region)
            | (col(State.intermediate_region) == region)
        )
    return list((await session.execute(stmt)).scalars())


async def every_state(session: AsyncSession) -> list[State]:
    """Every state, by code."""
    return list((await session.execute(select(State).order_by(col(State.code)))).scalars().all())
