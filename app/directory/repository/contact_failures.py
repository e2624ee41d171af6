"""Contact-failure reports: members saying a contact of an entry failed."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.core.pagination import Key, apply, decode_cursor, page
from app.models.directory import ContactFailureReport


async def report_by_id(session: AsyncSession, report_id: uuid.UUID) -> ContactFailureReport | None:
    return await session.get(ContactFailureReport, report_id)


async def reports_page(
    session: AsyncSession,
    *,
    authority_id: uuid.UUID | None,
    open_only: bool,
    cursor: str | None,
    limit: int,
) -> tuple[list[ContactFailureReport], str | None]:
    """Reports (of one authority, or of all), newest first, ties by id ascending (the order
    clients have paged by)."""
    stmt = select(ContactFailureReport)
    if authority_id is not None:
        stmt = stmt.where(col(ContactFailureReport.authority_id) == authority_id)
    if open_only:
        stmt = stmt.where(col(ContactFailureReport.resolved_at).is_(None))
    stmt = apply(
        stmt,
        (col(ContactFailureReport.created_at), col(ContactFailureReport.id)),
        decode_cursor(cursor, Key.datetime, Key.uuid),
        descending=(True, False),
    )
    stmt = stmt.order_by(
        col(ContactFailureReport.created_at).desc(), col(ContactFailureReport.id)
    ).limit(limit + 1)
    return page(
        (await session.execute(stmt)).scalars().all(), limit, key=lambda r: (r.created_at, r.id)
    )
