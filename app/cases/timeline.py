"""The case timeline: every status change, receipt, deadline notice and participation change."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.auth.actor import Actor
from app.cases.lifecycle import RECEIPT_STATUSES
from app.cases.schemas import StatusDuration, TimelineEntryRead
from app.models.base import utcnow
from app.models.cases import Case, CaseParticipant, CaseTimelineEntry
from app.models.identity import User


def add_entry(
    session: AsyncSession,
    case: Case | uuid.UUID,
    *,
    kind: str,
    actor: Actor | None,
    action: str | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> CaseTimelineEntry:
    """Queue a timeline entry (flushed with the caller's next flush)."""
    entry = CaseTimelineEntry(
        case_id=case if isinstance(case, uuid.UUID) else case.id,
        kind=kind,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor_user_id=actor.user_id if actor else None,
        actor_authority_id=actor.authority_id if actor else None,
        note=note,
        data=data or {},
        created_at=at or utcnow(),
    )
    session.add(entry)
    return entry


async def status_before(session: AsyncSession, case_id: uuid.UUID, action: str) -> str | None:
    """The status the case left the last time `action` moved it, or None if it never did."""
    return await session.scalar(
        select(col(CaseTimelineEntry.from_status))
        .where(
            col(CaseTimelineEntry.case_id) == case_id,
            col(CaseTimelineEntry.kind) == "transition",
            col(CaseTimelineEntry.action) == action,
        )
        .order_by(col(CaseTimelineEntry.created_at).desc(), col(CaseTimelineEntry.id).desc())
        .limit(1)
    )


def _read(entry: CaseTimelineEntry, actor_name: str | None) -> TimelineEntryRead:
    return TimelineEntryRead(
        id=entry.id,
        kind=entry.kind,
        action=entry.action,
        from_status=entry.from_status,
        to_status=entry.to_status,
        receipt=entry.to_status in RECEIPT_STATUSES and entry.from_status != entry.to_status,
        actor_user_id=entry.actor_user_id,
        actor_name=actor_name,
        actor_authority_id=entry.actor_authority_id,
        note=entry.note,
        data=entry.data,
        created_at=entry.created_at,
    )


async def list_entries(session: AsyncSession, case_id: uuid.UUID) -> list[TimelineEntryRead]:
    """Stored entries plus the end of every invitation that lapsed (derived, not stored)."""
    rows = (
        await session.execute(
            select(CaseTimelineEntry, User.full_name)
            .outerjoin(User, col(User.id) == col(CaseTimelineEntry.actor_user_id))
            .where(col(CaseTimelineEntry.case_id) == case_id)
            .order_by(col(CaseTimelineEntry.created_at), col(CaseTimelineEntry.id))
        )
    ).all()
    items = [_read(entry, name) for entry, name in rows]
    now = utcnow()
    lapsed = (
        await session.execute(
            select(CaseParticipant, User.full_name)
            .join(User, col(User.id) == col(CaseParticipant.user_id))
            .where(
                col(CaseParticipant.case_id) == case_id,
                col(CaseParticipant.revoked_at).is_(None),
                col(CaseParticipant.expires_at) <= now,
            )
        )
    ).all()
    for participant, name in lapsed:
        assert participant.expires_at is not None
        items.append(
            TimelineEntryRead(
                id=None,
                kind="participant_expired",
                action=None,
                from_status=None,
                to_status=None,
                receipt=False,
                actor_user_id=None,
                actor_authority_id=None,
                note=None,
                data={"user_id": str(participant.user_id), "full_name": name},
                created_at=participant.expires_at,
            )
        )
    items.sort(key=lambda item: item.created_at)
    return items


async def time_in_status(session: AsyncSession, case: Case) -> list[StatusDuration]:
    """How long the case spent in each status, from its status changes."""
    changes = (
        await session.execute(
            select(CaseTimelineEntry.to_status, CaseTimelineEntry.created_at)
            .where(
                col(CaseTimelineEntry.case_id) == case.id,
                col(CaseTimelineEntry.to_status).is_not(None),
                sa.or_(
                    col(CaseTimelineEntry.from_status).is_(None),
                    col(CaseTimelineEntry.from_status) != col(CaseTimelineEntry.to_status),
                ),
            )
            .order_by(col(CaseTimelineEntry.created_at), col(CaseTimelineEntry.id))
        )
    ).all()
    now = utcnow()
    durations: list[StatusDuration] = []
    points: list[tuple[str | None, datetime]] = [(row[0], row[1]) for row in changes]
    for index, (status, entered) in enumerate(points):
        left = points[index + 1][1] if index + 1 < len(points) else None
        end = left or now
        durations.append(
            StatusDuration(
                status=status or "",
                entered_at=entered,
                left_at=left,
                seconds=max(0, int((end - entered).total_seconds())),
            )
        )
    return durations
