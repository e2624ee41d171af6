"""Moving a case through its lifecycle, one side's action at a time."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.cases import drafting, repository, timeline
from app.cases.access import CaseView, deny, load_case
from app.cases.due_dates import refresh_due_date, today
from app.cases.exceptions import ConsultationRequired, DraftingIncomplete, WrongSide
from app.cases.lifecycle import RULES, Rule, check_transition
from app.cases.schemas import CaseRead, TransitionRequest
from app.cases.service.receipts import record_receipt_if_due
from app.cases.service.shapes import audit_snapshot, read_of
from app.core import audit, events
from app.core.audit import Target
from app.core.errors import ValidationFailed
from app.core.events import Audience
from app.models.base import utcnow
from app.models.cases import CaseDeadlineNotice


async def transition_case(
    session: AsyncSession, *, actor: Actor, case_id: uuid.UUID, request: TransitionRequest
) -> CaseRead:
    """Take `request.action` on the case: 403 for the wrong side, 409 from the wrong status."""
    view = await load_case(session, actor, case_id, for_update=True)
    await record_receipt_if_due(session, actor=actor, view=view)
    case = view.case
    try:
        if view.side == "observer":
            raise WrongSide.for_observer()
        rule = check_transition(request.action, side=view.side, status=case.status)
    except WrongSide as wrong_side:
        await deny(session, actor, wrong_side, case_id=case.id)
    before = audit_snapshot(case)
    now = utcnow()
    details: dict[str, object] = {"action": request.action}
    await _apply(session, view, request, details, actor)
    if rule.needs_consultation and case.consultation_at is None:
        raise ConsultationRequired()
    source = case.status
    target = await _target(session, case.id, rule)
    if target is not None:
        case.status = target
        case.status_changed_at = now
    case.last_activity_at = now
    refresh_due_date(case)
    entry = timeline.add_entry(
        session,
        case,
        kind="transition" if target is not None else "deadline_notice",
        action=request.action,
        actor=actor,
        from_status=source,
        to_status=case.status,
        note=request.note,
        data={k: v for k, v in details.items() if k != "action"},
        at=now,
    )
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="case.transitioned",
        target=Target("case", case.id),
        changes=audit.diff(before, audit_snapshot(case)),
        details=details,
        authority_ids=view.authority_ids,
    )
    await events.publish(
        session,
        "case.transitioned",
        {"case_id": case.id, "entry_id": entry.id},
        audience=Audience.of("case", case.id),
    )
    return read_of(view, time_in_status=await timeline.time_in_status(session, case))


async def _target(session: AsyncSession, case_id: uuid.UUID, rule: Rule) -> str | None:
    """The status the action leads to: a resuming action returns to where its counterpart
    found the case (see lifecycle)."""
    if rule.resumes is None:
        return rule.target
    previous = await repository.status_before(session, case_id, rule.resumes)
    if previous is not None and previous in RULES[rule.resumes].sources:
        return previous
    return rule.target


def _need(condition: bool, field: str, message: str) -> None:
    if not condition:
        raise ValidationFailed(message, errors=[{"field": field, "message": message}])


async def _apply(
    session: AsyncSession,
    view: CaseView,
    request: TransitionRequest,
    details: dict[str, object],
    actor: Actor,
) -> None:
    """The action's own rule and side effects, before the status changes."""
    case = view.case
    now = utcnow()
    action = request.action
    if action == "submit":
        report = await drafting.check_draft(session, case)
        reason = (request.missing_essentials_reason or "").strip()
        if not report.ready and not reason:
            raise DraftingIncomplete(
                [c.model_dump() for c in report.checks if c.essential and not c.ok]
            )
        case.missing_essentials_reason = reason or None
        case.submitted_at = now
        details["missing_essentials"] = [c.code for c in report.checks if c.essential and not c.ok]
    elif action == "acknowledge":
        case.acknowledged_at = now
        if case.received_at is None:
            case.received_at = now
    elif action in ("report_delay", "postpone"):
        _need(request.new_deadline is not None, "new_deadline", "give the new expected date")
        assert request.new_deadline is not None
        _need(request.new_deadline >= today(), "new_deadline", "the new date is in the past")
        _need(bool((request.note or "").strip()), "note", "state the reason")
        session.add(
            CaseDeadlineNotice(
                case_id=case.id,
                kind="delay" if action == "report_delay" else "postponement",
                reason=request.note or "",
                previous_date=case.due_date,
                new_date=request.new_deadline,
                filed_by=actor.user_id,
                created_at=now,
            )
        )
        details["previous_date"] = case.due_date.isoformat() if case.due_date else None
        details["new_deadline"] = request.new_deadline.isoformat()
        case.expected_date = request.new_deadline
    elif action == "refuse":
        _need(request.ground is not None, "ground", "a refusal states its ground")
        if request.ground == "other":
            _need(
                bool((request.ground_text or request.note or "").strip()),
                "ground_text",
                "describe the ground",
            )
        case.refusal_ground = request.ground
        case.refusal_ground_text = request.ground_text
        case.outcome = "refused"
        case.completed_at = now
        details["ground"] = request.ground
    elif action in ("execute", "execute_partially", "withdraw"):
        case.outcome = {
            "execute": "executed",
            "execute_partially": "partially_executed",
            "withdraw": "withdrawn",
        }[action]
        case.completed_at = now
    elif action == "close":
        case.closed_at = now
