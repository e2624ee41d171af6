"""The retention pass's queries: files past retention, the state of stored blobs, its lock."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlmodel import col, select

from app.models.cases import Case, CaseAttachment

# One pass at a time across the workers: "canet" + the retention migration's number.
PURGE_LOCK_KEY = 0x63616E6574_0017


async def try_purge_lock(conn: AsyncConnection) -> bool:
    """Take the pass's advisory lock on this connection (until unlocked), unless held."""
    got = bool(await conn.scalar(sa.select(sa.func.pg_try_advisory_lock(PURGE_LOCK_KEY))))
    await conn.commit()
    return got


async def release_purge_lock(conn: AsyncConnection) -> None:
    await conn.execute(sa.select(sa.func.pg_advisory_unlock(PURGE_LOCK_KEY)))
    await conn.commit()


async def expired_attachments(
    session: AsyncSession,
    *,
    cutoffs: Mapping[str, datetime],
    ended_statuses: Collection[str],
    limit: int,
    after: tuple[uuid.UUID, uuid.UUID] | None = None,
    lock: bool = False,
) -> list[tuple[CaseAttachment, Case]]:
    """Files still stored of cases that ended before their type's cutoff, not under a legal
    hold, in (case, file) order. `lock` locks their rows (and their cases') for the caller's
    transaction, skipping those another transaction holds (a deletion, a hold being placed).
    """
    if not cutoffs:
        return []
    ended_at = sa.func.coalesce(col(Case.closed_at), col(Case.completed_at))
    statement = (
        select(CaseAttachment, Case)
        .join(Case, col(Case.id) == col(CaseAttachment.case_id))
        .where(
            col(CaseAttachment.deleted_at).is_(None),
            col(Case.legal_hold_set_at).is_(None),
            col(Case.status).in_(list(ended_statuses)),
            sa.or_(
                *(
                    sa.and_(col(Case.type) == case_type, ended_at < cutoff)
                    for case_type, cutoff in cutoffs.items()
                )
            ),
        )
        .order_by(col(CaseAttachment.case_id), col(CaseAttachment.id))
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(
            sa.tuple_(col(CaseAttachment.case_id), col(CaseAttachment.id)) > sa.tuple_(*after)
        )
    if lock:
        statement = statement.with_for_update(of=[CaseAttachment, Case], skip_locked=True)
    rows = (await session.execute(statement)).all()
    return [(row[0], row[1]) for row in rows]


async def attachment_states(
    session: AsyncSession, ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, tuple[str, bool]]:
    """For each id that has a row: (its storage key, whether it is a tombstone)."""
    if not ids:
        return {}
    statement = sa.select(
        col(CaseAttachment.id),
        col(CaseAttachment.storage_key),
        col(CaseAttachment.deleted_at).is_not(None),
    ).where(col(CaseAttachment.id).in_(list(ids)))
    return {row[0]: (row[1], bool(row[2])) for row in (await session.execute(statement)).all()}
