"""Queries of a storage master key rotation: the case keys still wrapped by another key."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.cases import CaseDataKey

_keys = CaseDataKey.__table__  # type: ignore[attr-defined]

# Keyset on the case id, so a run passes each row once (a key it cannot unwrap included);
# SKIP LOCKED, so a row another transaction holds is left for a later run, never waited on.
_NOT_UNDER = (
    sa.select(_keys.c.case_id, _keys.c.wrapped_key, _keys.c.master_key_id)
    .where(
        _keys.c.master_key_id != sa.bindparam("current"),
        _keys.c.case_id > sa.bindparam("after", type_=sa.Uuid()),
    )
    .order_by(_keys.c.case_id)
    .limit(sa.bindparam("limit"))
    .with_for_update(skip_locked=True)
)

_REWRAP = (
    sa.update(_keys)
    .where(
        _keys.c.case_id == sa.bindparam("b_case_id"),
        _keys.c.master_key_id == sa.bindparam("b_old_id"),
    )
    .values(wrapped_key=sa.bindparam("b_wrapped"), master_key_id=sa.bindparam("b_new_id"))
)

_COUNT_BY_MASTER = sa.select(_keys.c.master_key_id, sa.func.count()).group_by(_keys.c.master_key_id)

_NIL = uuid.UUID(int=0)


async def lock_keys_not_under(
    session: AsyncSession, current: str, *, after: uuid.UUID | None, limit: int
) -> Sequence[Any]:
    """The next `limit` case keys not wrapped by `current`, after `after`, locked."""
    result = await session.execute(
        _NOT_UNDER, {"current": current, "after": after or _NIL, "limit": limit}
    )
    return result.all()


async def store_rewrapped(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Store re-wrapped keys: `b_case_id`, `b_old_id`, `b_wrapped`, `b_new_id` per row."""
    if rows:
        await session.execute(_REWRAP, rows)


async def counts_by_master_key(session: AsyncSession) -> dict[str, int]:
    """How many case keys each master key wraps."""
    rows = (await session.execute(_COUNT_BY_MASTER)).all()
    return {str(row[0]): int(row[1]) for row in rows}
