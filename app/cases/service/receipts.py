"""The receipt: the requested side's first look at a submitted case moves it to `received`.

A step of its own, never a side effect of reading: the read routes call `record_receipt`
before their read and hand the read the case it loaded (one load for both), and the verbs
that change a case record it themselves once they hold the case (one load, on the hot path
of posting). Whoever of the requested side comes first records it, once; the conditional
UPDATE keeps concurrent first looks from recording it twice.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from app.auth.actor import Actor
from app.cases import repository, timeline
from app.cases.access import CaseView, load_case
from app.core import audit, events
from app.core.audit import Target
from app.core.events import Audience
from app.models.base import utcnow


async def record_receipt(session: AsyncSession, *, actor: Actor, case_id: uuid.UUID) -> CaseView:
    """Record `received` if the actor is of the requested side and the case is submitted.
    Returns the case as the actor sees it (404 if they may not), for the read that follows."""
    view = await load_case(session, actor, case_id)
    await record_receipt_if_due(session, actor=actor, view=view)
    return view


async def record_receipt_if_due(session: AsyncSession, *, actor: Actor, view: CaseView) -> None:
    """The same, for a case the caller has already loaded through access."""
    if view.side != "requested" or view.case.status != "submitted":
        return
    case = view.case
    now = utcnow()
    if not await repository.mark_received(session, case.id, now):
        return
    for name, value in (
        ("status", "received"),
        ("received_at", now),
        ("status_changed_at", now),
        ("last_activity_at", now),
    ):
        set_committed_value(case, name, value)
    entry = timeline.add_entry(
        session,
        case,
        kind="receipt",
        actor=actor,
        from_status="submitted",
        to_status="received",
        data={"recorded_by": "system", "opened_by": str(actor.user_id)},
        at=now,
    )
    await audit.record(
        session,
        actor=actor,
        action="case.received",
        target=Target("case", case.id),
        changes={"status": {"old": "submitted", "new": "received"}},
        authority_ids=view.authority_ids,
    )
    await events.publish(
        session,
        "case.transitioned",
        {"case_id": case.id, "entry_id": entry.id},
        audience=Audience.of("case", case.id),
    )
