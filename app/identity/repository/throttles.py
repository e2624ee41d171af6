"""Sign-in throttle counters: one atomic upsert per failure, so every worker sees one count."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.models.identity import LoginThrottle

_THROTTLES = LoginThrottle.__table__  # type: ignore[attr-defined]
_AT = sa.bindparam("at", type_=sa.DateTime(timezone=True))
_STALE = _THROTTLES.c.last_failure_at < sa.bindparam(
    "stale_before", type_=sa.DateTime(timezone=True)
)

_BLOCKING_THROTTLES = select(LoginThrottle).where(
    col(LoginThrottle.key).in_(sa.bindparam("keys", expanding=True)),
    col(LoginThrottle.blocked_until) > sa.bindparam("now"),
)

# A counter that was quiet since `stale_before` starts over at this failure.
_COUNT_FAILURE = (
    insert(_THROTTLES)
    .values(
        key=sa.bindparam("throttle_key"),
        failures=1,
        first_failure_at=_AT,
        last_failure_at=_AT,
        locked=False,
    )
    .on_conflict_do_update(
        index_elements=[_THROTTLES.c.key],
        set_={
            "failures": sa.case((_STALE, 1), else_=_THROTTLES.c.failures + 1),
            "first_failure_at": sa.case((_STALE, _AT), else_=_THROTTLES.c.first_failure_at),
            "locked": sa.case((_STALE, False), else_=_THROTTLES.c.locked),
            "last_failure_at": _AT,
        },
    )
    .returning(_THROTTLES.c.failures, _THROTTLES.c.locked, _THROTTLES.c.blocked_until)
)

_BLOCK = (
    _THROTTLES.update()
    .where(_THROTTLES.c.key == sa.bindparam("throttle_key"))
    .values(
        blocked_until=sa.bindparam("until", type_=sa.DateTime(timezone=True)),
        locked=sa.bindparam("lock", type_=sa.Boolean()),
    )
)


async def blocking_throttles(
    session: AsyncSession, keys: list[str], *, now: datetime
) -> list[LoginThrottle]:
    """The counters among `keys` that block their key at `now`."""
    params = {"keys": keys, "now": now}
    return list((await session.execute(_BLOCKING_THROTTLES, params)).scalars().all())


async def count_throttle_failure(
    session: AsyncSession, key: str, *, now: datetime, stale_before: datetime
) -> tuple[int, bool, datetime | None]:
    """Add a failure to the key's counter: (failures, locked, blocked_until) after it."""
    params: dict[str, Any] = {"throttle_key": key, "at": now, "stale_before": stale_before}
    row = (await session.execute(_COUNT_FAILURE, params)).one()
    return int(row[0]), bool(row[1]), row[2]


async def block_throttle(session: AsyncSession, key: str, *, until: datetime, locked: bool) -> None:
    await session.execute(_BLOCK, {"throttle_key": key, "until": until, "lock": locked})


async def delete_throttle(session: AsyncSession, key: str) -> None:
    await session.execute(sa.delete(LoginThrottle).where(col(LoginThrottle.key) == key))
