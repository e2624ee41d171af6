"""The periodic chores' queries: vetting reminders due, purges, the pass's lock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.models.identity import Application, LoginThrottle, OneTimeToken, User


async def try_transaction_lock(session: AsyncSession, key: int) -> bool:
    """Take the advisory lock `key` until the transaction ends, unless another holds it."""
    return bool(
        await session.scalar(sa.text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key})
    )


async def members_due_vetting_reminder(
    session: AsyncSession, *, now: datetime, until: datetime, limit: int
) -> list[User]:
    """Active members not yet reminded whose vetting expires after `now`, by `until`."""
    statement = (
        select(User)
        .where(
            col(User.status) == "active",
            col(User.vetting_expires_at) > now,
            col(User.vetting_expires_at) <= until,
            col(User.vetting_reminded_at).is_(None),
        )
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars().all())


async def delete_applications_created_before(
    session: AsyncSession, statuses: Sequence[str], before: datetime
) -> None:
    await session.execute(
        sa.delete(Application).where(
            col(Application.status).in_(statuses), col(Application.created_at) < before
        )
    )


async def delete_tokens_expired_before(session: AsyncSession, before: datetime) -> None:
    await session.execute(sa.delete(OneTimeToken).where(col(OneTimeToken.expires_at) < before))


async def delete_stale_throttles(
    session: AsyncSession, *, quiet_since: datetime, second_factor_quiet_since: datetime
) -> None:
    """Counters without a failure since their cut-off: second-factor counters ("mfa:") have
    their own."""
    second_factor = col(LoginThrottle.key).startswith("mfa:")
    last_failure = col(LoginThrottle.last_failure_at)
    await session.execute(
        sa.delete(LoginThrottle).where(
            sa.or_(
                sa.and_(~second_factor, last_failure < quiet_since),
                sa.and_(second_factor, last_failure < second_factor_quiet_since),
            )
        )
    )
