"""Queries of a secret key rotation: the TOTP secrets not yet sealed under the current key."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.models.audit import AuditEntry
from app.models.identity import User

_users = User.__table__  # type: ignore[attr-defined]
_NIL = uuid.UUID(int=0)


def _not_sealed_with(prefix: str) -> sa.ColumnElement[bool]:
    return sa.and_(
        _users.c.totp_secret.is_not(None),
        sa.not_(_users.c.totp_secret.startswith(prefix, autoescape=True)),
    )


async def lock_secrets_not_sealed_with(
    session: AsyncSession, prefix: str, *, after: uuid.UUID | None, limit: int
) -> Sequence[Any]:
    """The next `limit` members (by id, after `after`) whose TOTP secret does not start with
    `prefix`, locked; rows another transaction holds (a sign-in) are skipped, not waited on."""
    stmt = (
        sa.select(_users.c.id, _users.c.totp_secret)
        .where(_not_sealed_with(prefix), _users.c.id > (after or _NIL))
        .order_by(_users.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (await session.execute(stmt)).all()


async def store_resealed(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Store re-sealed secrets (`b_id`, `b_old`, `b_new` per row), each only if unchanged."""
    if rows:
        await session.execute(
            sa.update(_users)
            .where(
                _users.c.id == sa.bindparam("b_id"),
                _users.c.totp_secret == sa.bindparam("b_old"),
            )
            .values(totp_secret=sa.bindparam("b_new")),
            rows,
        )


async def count_secrets_not_sealed_with(session: AsyncSession, prefix: str) -> int:
    stmt = sa.select(sa.func.count()).select_from(_users).where(_not_sealed_with(prefix))
    return int(await session.scalar(stmt) or 0)


async def first_entry_at(
    session: AsyncSession, *, action: str, target_type: str, target_id: str
) -> datetime | None:
    """When the first audit entry of `action` on this target was written (None: never)."""
    stmt = sa.select(sa.func.min(col(AuditEntry.occurred_at))).where(
        col(AuditEntry.action) == action,
        col(AuditEntry.target_type) == target_type,
        col(AuditEntry.target_id) == target_id,
    )
    return await session.scalar(stmt)
