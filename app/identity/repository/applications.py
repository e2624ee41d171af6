"""Membership applications and their vetting steps."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.core.pagination import apply
from app.models.identity import Application, VettingStep


async def application_by_id(
    session: AsyncSession, application_id: uuid.UUID, *, for_update: bool = False
) -> Application | None:
    return await session.get(Application, application_id, with_for_update=for_update)


async def applications_page(
    session: AsyncSession,
    *,
    authority_id: uuid.UUID | None,
    statuses: Sequence[str],
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
    awaiting_endorsement: bool = False,
) -> list[Application]:
    """Applications in `statuses` (of one authority, or of all with None; only those with
    no answer from the focal point yet if `awaiting_endorsement`), oldest first."""
    statement = select(Application).where(col(Application.status).in_(statuses))
    if authority_id is not None:
        statement = statement.where(col(Application.authority_id) == authority_id)
    if awaiting_endorsement:
        statement = statement.where(col(Application.endorsement).is_(None))
    order = [col(Application.created_at), col(Application.id)]
    statement = apply(statement, order, after).order_by(*order).limit(limit)
    return list((await session.execute(statement)).scalars().all())


async def application_with_handle_exists(
    session: AsyncSession, handle: str, statuses: Sequence[str]
) -> bool:
    found = await session.scalar(
        select(col(Application.id))
        .where(col(Application.handle) == handle, col(Application.status).in_(statuses))
        .limit(1)
    )
    return found is not None


async def application_id_with_email(
    session: AsyncSession, email: str, statuses: Sequence[str]
) -> uuid.UUID | None:
    return await session.scalar(
        select(col(Application.id)).where(
            col(Application.email) == email, col(Application.status).in_(statuses)
        )
    )


async def applications_with_email(
    session: AsyncSession, email: str, status: str
) -> list[Application]:
    statement = select(Application).where(
        col(Application.email) == email, col(Application.status) == status
    )
    return list((await session.execute(statement)).scalars().all())


async def applications_of_member(session: AsyncSession, user_id: uuid.UUID) -> list[Application]:
    statement = select(Application).where(col(Application.user_id) == user_id)
    return list((await session.execute(statement)).scalars().all())


async def vetting_steps(
    session: AsyncSession,
    *,
    application_ids: Sequence[uuid.UUID] = (),
    user_id: uuid.UUID | None = None,
) -> list[VettingStep]:
    """The steps of these applications and of this member, oldest first."""
    conditions: list[sa.ColumnElement[bool]] = []
    if application_ids:
        conditions.append(col(VettingStep.application_id).in_(application_ids))
    if user_id is not None:
        conditions.append(col(VettingStep.user_id) == user_id)
    if not conditions:
        return []
    statement = (
        select(VettingStep)
        .where(sa.or_(*conditions))
        .order_by(col(VettingStep.created_at), col(VettingStep.id))
    )
    return list((await session.execute(statement)).scalars().all())
