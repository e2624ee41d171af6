"""Treaties and their parties."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.core.pagination import Key, apply, decode_cursor, page
from app.models.directory import Treaty, TreatyParty

_KIND_ORDER = {"bilateral": 0, "regional": 1, "multilateral": 2}

# The finder runs these on every answer: built once (a new alias per call cost more CPU
# than the query).
_PARTY_A = sa.orm.aliased(TreatyParty, name="party_a")
_PARTY_B = sa.orm.aliased(TreatyParty, name="party_b")
_TREATIES_LINKING = (
    select(Treaty)
    .join(_PARTY_A, col(_PARTY_A.treaty_id) == col(Treaty.id))
    .join(_PARTY_B, col(_PARTY_B.treaty_id) == col(Treaty.id))
    .where(
        col(_PARTY_A.state_code) == sa.bindparam("state_a"),
        col(_PARTY_B.state_code) == sa.bindparam("state_b"),
    )
    .order_by(col(Treaty.title), col(Treaty.id))
)
_PARTIES_OF = (
    select(TreatyParty.treaty_id, TreatyParty.state_code)
    .where(col(TreatyParty.treaty_id).in_(sa.bindparam("treaty_ids", expanding=True)))
    .order_by(col(TreatyParty.state_code))
)


async def treaties_linking(session: AsyncSession, state_a: str, state_b: str) -> list[Treaty]:
    """Treaties to which both states are parties (bilateral, then regional, multilateral)."""
    params = {"state_a": state_a, "state_b": state_b}
    treaties = list((await session.execute(_TREATIES_LINKING, params)).scalars().unique().all())
    treaties.sort(key=lambda t: _KIND_ORDER.get(t.kind, 3))
    return treaties


async def parties_of(
    session: AsyncSession, treaty_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[str]]:
    """Party state codes of each treaty (one query)."""
    result: dict[uuid.UUID, list[str]] = {t: [] for t in treaty_ids}
    if not treaty_ids:
        return result
    rows = (await session.execute(_PARTIES_OF, {"treaty_ids": treaty_ids})).all()
    for treaty_id, code in rows:
        result[treaty_id].append(code)
    return result


async def treaties_page(
    session: AsyncSession,
    *,
    state: str | None,
    subject: str | None,
    kind: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Treaty], str | None]:
    """Treaties, optionally those a state (upper-case code) is party to, covering a subject
    or of a kind, by title."""
    stmt = select(Treaty)
    if state:
        stmt = stmt.where(
            col(Treaty.id).in_(
                select(TreatyParty.treaty_id).where(col(TreatyParty.state_code) == state)
            )
        )
    if subject:
        stmt = stmt.where(col(Treaty.subjects).contains([subject]))
    if kind:
        stmt = stmt.where(col(Treaty.kind) == kind)
    stmt = apply(
        stmt, (col(Treaty.title), col(Treaty.id)), decode_cursor(cursor, Key.str, Key.uuid)
    )
    stmt = stmt.order_by(col(Treaty.title), col(Treaty.id)).limit(limit + 1)
    rows: Any = (await session.execute(stmt)).scalars().all()
    return page(rows, limit, key=lambda t: (t.title, t.id))


async def treaty_by_id(session: AsyncSession, treaty_id: uuid.UUID) -> Treaty | None:
    return await session.get(Treaty, treaty_id)


async def treaties_by_id(
    session: AsyncSession, treaty_ids: list[uuid.UUID]
) -> dict[uuid.UUID, Treaty]:
    """The treaties among these ids (one query)."""
    if not treaty_ids:
        return {}
    rows = await session.execute(select(Treaty).where(col(Treaty.id).in_(treaty_ids)))
    return {t.id: t for t in rows.scalars().all()}


async def treaty_ids_of_state(session: AsyncSession, state_code: str) -> list[uuid.UUID]:
    """Ids of the treaties the state is party to."""
    rows = await session.execute(
        select(TreatyParty.treaty_id).where(col(TreatyParty.state_code) == state_code)
    )
    return list(rows.scalars().all())


async def every_treaty(session: AsyncSession) -> list[Treaty]:
    """Every treaty, by title (the export)."""
    rows = await session.execute(select(Treaty).order_by(col(Treaty.title), col(Treaty.id)))
    return list(rows.scalars().all())


async def replace_parties(session: AsyncSession, treaty_id: uuid.UUID, codes: list[str]) -> None:
    """Make `codes` the treaty's parties."""
    await session.execute(sa.delete(TreatyParty).where(col(TreatyParty.treaty_id) == treaty_id))
    session.add_all([TreatyParty(treaty_id=treaty_id, state_code=c) for c in codes])
    await session.flush()
