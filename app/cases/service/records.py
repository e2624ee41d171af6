"""The case's record: its timeline."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.cases import timeline
from app.cases.schemas import TimelineEntryRead
from app.cases.service.cases import open_case
from app.core import audit
from app.core.audit import Target


async def get_timeline(
    session: AsyncSession, *, actor: Actor, case_id: uuid.UUID
) -> list[TimelineEntryRead]:
    """Every status change, receipt, deadline notice and participation change, oldest first."""
    view = await open_case(session, actor=actor, case_id=case_id)
    entries = await timeline.list_entries(session, case_id)
    await audit.record(
        session,
        actor=actor,
        action="case.timeline.viewed",
        target=Target("case", case_id),
        authority_ids=view.authority_ids,
    )
    return entries
