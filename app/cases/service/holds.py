"""Legal holds: while one stands, no file of the case is deleted or purged."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.cases import timeline
from app.cases.access import CaseView, deny, load_case
from app.cases.exceptions import LegalHoldAlreadySet, NoLegalHold, NotHoldKeeper
from app.cases.retention import may_hold
from app.cases.schemas import CaseRead
from app.cases.service.receipts import record_receipt_if_due
from app.cases.service.shapes import read_of
from app.core import audit, events
from app.core.audit import Target
from app.core.events import Audience
from app.models.base import utcnow


async def _holder_view(session: AsyncSession, actor: Actor, case_id: uuid.UUID) -> CaseView:
    view = await load_case(session, actor, case_id, for_update=True)
    await record_receipt_if_due(session, actor=actor, view=view)
    if not may_hold(view):
        await deny(
            session,
            actor,
            NotHoldKeeper("Legal holds are placed and released by the focal points of a side."),
            case_id=case_id,
        )
    return view


async def _record(
    session: AsyncSession, view: CaseView, actor: Actor, *, kind: str, reason: str, side: str
) -> CaseRead:
    case = view.case
    now = utcnow()
    case.last_activity_at = now
    timeline.add_entry(session, case, kind=kind, actor=actor, note=reason, data={"side": side})
    await session.flush()
    action = "set" if kind == "legal_hold_set" else "released"
    # The reason is free text: it is on the timeline, not in the audit log.
    await audit.record(
        session,
        actor=actor,
        action=f"case.legal_hold.{action}",
        target=Target("case", case.id),
        details={"side": side},
        authority_ids=view.authority_ids,
    )
    await events.publish(
        session,
        f"case.legal_hold.{action}",
        {"case_id": case.id},
        audience=Audience.of("case", case.id),
    )
    return read_of(view, time_in_status=await timeline.time_in_status(session, case))


async def place_legal_hold(
    session: AsyncSession, *, actor: Actor, case_id: uuid.UUID, reason: str
) -> CaseRead:
    """Place a legal hold (focal points of either side): 409 if one stands already."""
    view = await _holder_view(session, actor, case_id)
    case = view.case
    if case.legal_hold_set_at is not None:
        raise LegalHoldAlreadySet()
    case.legal_hold_reason = reason
    case.legal_hold_side = view.side
    case.legal_hold_set_by = actor.user_id
    case.legal_hold_set_at = utcnow()
    return await _record(session, view, actor, kind="legal_hold_set", reason=reason, side=view.side)


async def release_legal_hold(
    session: AsyncSession, *, actor: Actor, case_id: uuid.UUID, reason: str
) -> CaseRead:
    """Release the legal hold: only the side that placed it; 409 if there is none."""
    view = await _holder_view(session, actor, case_id)
    case = view.case
    if case.legal_hold_set_at is None:
        raise NoLegalHold()
    side = case.legal_hold_side or view.side
    if side != view.side:
        await deny(
            session,
            actor,
            NotHoldKeeper("Only the side that placed the legal hold releases it."),
            case_id=case_id,
        )
    case.legal_hold_reason = None
    case.legal_hold_side = None
    case.legal_hold_set_by = None
    case.legal_hold_set_at = None
    return await _record(session, view, actor, kind="legal_hold_released", reason=reason, side=side)
