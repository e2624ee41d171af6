"""The case timeline: every status change, receipt, deadline notice and participation change.

Entries are added to the caller's unit of work; reads add the end of every invitation that
lapsed (derived, never stored) and the time spent in each status.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.cases import repository
from app.cases.lifecycle import RECEIPT_STATUSES
from app.cases.schemas import StatusDuration, TimelineEntryRead
from app.identity import service as identity_service
from app.models.base import utcnow
from app.models.cases import Case, CaseTimelineEntry
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


def _full_name(members: dict[uuid.UUID, User], user_id: uuid.UUID | None) -> str | None:
    member = members.get(user_id) if user_id is not None else None
    return member.full_name if member is not None else None


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
    entries = await repository.timeline_of_case(session, case_id)
    lapsed = await repository.lapsed_participations(session, case_id, utcnow())
    people = {e.actor_user_id for e in entries} | {p.user_id for p in lapsed}
    members = await identity_service.members_by_ids(session, [u for u in people if u])
    items = [_read(entry, _full_name(members, entry.actor_user_id)) for entry in entries]
    for participant in lapsed:
        name = _full_name(members, participant.user_id)
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
    points = await repository.status_changes_of_case(session, case.id)
    now = utcnow()
    durations: list[StatusDuration] = []
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
