"""Stale entries due a reminder: not verified for too long, nor reminded recently."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.models.directory import Authority, RequirementSheet

_LOCK_KEY = 0x63616E6574_0005  # "canet" + the directory's migration number


async def take_reminder_lock(session: AsyncSession) -> bool:
    """The reminders' lock for the rest of the transaction, unless another worker holds it."""
    return bool(await session.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(_LOCK_KEY))))


def _due(column: Any, before: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(column.is_(None), column < before)


async def authorities_due_reminder(
    session: AsyncSession, *, stale_before: datetime, remind_before: datetime, limit: int
) -> list[Authority]:
    """Authorities not verified since `stale_before` nor reminded since `remind_before`, by
    id, their rows locked (rows another worker holds are skipped)."""
    rows = await session.execute(
        select(Authority)
        .where(
            _due(col(Authority.last_verified_at), stale_before),
            _due(col(Authority.stale_reminded_at), remind_before),
        )
        .order_by(col(Authority.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(rows.scalars().all())


async def sheets_due_reminder(
    session: AsyncSession, *, stale_before: datetime, remind_before: datetime, limit: int
) -> list[RequirementSheet]:
    """Sheets not verified since `stale_before` nor reminded since `remind_before`, by id,
    their rows locked (rows another worker holds are skipped)."""
    rows = await session.execute(
        select(RequirementSheet)
        .where(
            _due(col(RequirementSheet.last_verified_at), stale_before),
            _due(col(RequirementSheet.stale_reminded_at), remind_before),
        )
        .order_by(col(RequirementSheet.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(rows.scalars().all())
