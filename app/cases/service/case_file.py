"""A case's file as a whole: its timeline, and the export for the national file."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.cases import timeline
from app.cases.access import CaseView
from app.cases.constants import HANDLING_CODES
from app.cases.schemas import CaseExport, TimelineEntryRead
from app.cases.service.attachments import all_attachments
from app.cases.service.messages import all_messages
from app.cases.service.participants import all_participants
from app.cases.service.shapes import read_of
from app.core import audit
from app.core.audit import Target
from app.models.base import utcnow


async def get_timeline(
    session: AsyncSession, *, actor: Actor, view: CaseView
) -> list[TimelineEntryRead]:
    """Every status change, receipt, deadline notice and participation change, oldest first."""
    case_id = view.case.id
    entries = await timeline.list_entries(session, case_id)
    await audit.record(
        session,
        actor=actor,
        action="case.timeline.viewed",
        target=Target("case", case_id),
        authority_ids=view.authority_ids,
    )
    return entries


async def export_case(session: AsyncSession, *, actor: Actor, view: CaseView) -> CaseExport:
    """Case, timeline, messages with handling codes, attachment digests, participants."""
    case_id = view.case.id
    export = CaseExport(
        exported_at=utcnow(),
        exported_by=actor.user_id,
        case=read_of(view, time_in_status=await timeline.time_in_status(session, view.case)),
        timeline=await timeline.list_entries(session, case_id),
        messages=await all_messages(session, case_id),
        attachments=await all_attachments(session, case_id),
        participants=await all_participants(session, case_id),
        handling_codes=HANDLING_CODES,
    )
    await audit.record(
        session,
        actor=actor,
        action="case.exported",
        target=Target("case", case_id),
        details={"messages": len(export.messages), "attachments": len(export.attachments)},
        authority_ids=view.authority_ids,
    )
    return export
