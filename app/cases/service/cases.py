"""Creating, opening, editing and listing cases."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.auth.permissions import Permission
from app.cases import drafting, repository, timeline
from app.cases.access import CaseView, deny, load_case, readable_clause
from app.cases.constants import OPEN_STATUSES, REFERENCE_PREFIX
from app.cases.due_dates import near_deadline_until, refresh_due_date, today
from app.cases.exceptions import (
    CaseOpeningForbidden,
    NotADraft,
    ObserverCannotEdit,
    OwnReferenceOnly,
)
from app.cases.schemas import (
    CaseCounts,
    CaseCreate,
    CaseRead,
    CaseSummary,
    CaseUpdate,
    DraftingReport,
)
from app.cases.service.receipts import record_receipt_if_due
from app.cases.service.shapes import audit_snapshot, read_of, summary_of
from app.core import audit, events, idempotency
from app.core.audit import Target
from app.core.errors import ValidationFailed
from app.core.events import Audience
from app.core.pagination import Page
from app.directory import service as directory_service
from app.models.base import utcnow
from app.models.cases import Case, CaseParticipant


async def allocate_reference(session: AsyncSession, case_type: str, year: int) -> str:
    """The next `MLA-2026-000123` style reference: one atomic upsert, no race, no gap reuse."""
    prefix = REFERENCE_PREFIX[case_type]
    number = await repository.next_reference_number(session, prefix, year)
    return f"{prefix}-{year}-{number:06d}"


async def create_case(
    session: AsyncSession,
    *,
    actor: Actor,
    data: CaseCreate,
    idempotency_key: str | None = None,
) -> CaseRead:
    """Open a draft case from the actor's authority to the requested authority."""
    if not actor.can(Permission.CASE_CREATE) or actor.authority_id is None:
        await deny(session, actor, CaseOpeningForbidden(), case_id=None)
    assert actor.user_id is not None
    case_id = uuid.uuid4()
    first = await idempotency.claim(
        session,
        user_id=actor.user_id,
        scope="cases.case",
        key=idempotency_key,
        resource_id=case_id,
    )
    if first is not None:
        return read_of(await load_case(session, actor, first))
    requested = await directory_service.get_authority(session, data.requested_authority_id)
    if requested is None or requested.id == actor.authority_id:
        raise ValidationFailed(
            "The requested authority must be another authority in the directory.",
            errors=[{"field": "requested_authority_id", "message": "unknown or your own"}],
        )
    now = utcnow()
    fields = data.model_dump(exclude_none=True, mode="python")
    fields["legal_basis"] = data.legal_basis.model_dump(mode="json", exclude_none=True)
    if data.persons is not None:
        fields["persons"] = [p.model_dump(mode="json", exclude_none=True) for p in data.persons]
    case = Case(
        id=case_id,
        reference=await allocate_reference(session, data.type, now.year),
        status="draft",
        requesting_authority_id=actor.authority_id,
        created_by=actor.user_id,
        status_changed_at=now,
        last_activity_at=now,
        **{k: v for k, v in fields.items() if k != "legal_basis"},
        legal_basis=fields["legal_basis"],
    )
    refresh_due_date(case)
    session.add(case)
    # The creator stays on a restricted case: they are its first assigned officer.
    creator = CaseParticipant(
        case_id=case.id, user_id=actor.user_id, role="assigned", created_at=now
    )
    session.add(creator)
    timeline.add_entry(session, case, kind="created", actor=actor, to_status="draft", at=now)
    await session.flush()
    view = CaseView(
        case=case, side="requesting", participant=creator, focal_point=actor.focal_point
    )
    await audit.record(
        session,
        actor=actor,
        action="case.created",
        target=Target("case", case.id),
        changes=audit.diff({}, audit_snapshot(case)),
        details={"reference": case.reference, "type": case.type},
        authority_ids=view.authority_ids,
    )
    await events.publish(
        session, "case.created", {"case_id": case.id}, audience=Audience.of("case", case.id)
    )
    return read_of(view)


async def drafting_report(session: AsyncSession, view: CaseView) -> DraftingReport | None:
    if view.case.status != "draft" or view.side == "observer":
        return None
    return await drafting.check_draft(session, view.case)


async def check_draft(session: AsyncSession, *, actor: Actor, view: CaseView) -> DraftingReport:
    """The drafting checks of a draft (audited as a view of the case)."""
    case_id = view.case.id
    report = await drafting_report(session, view)
    if report is None:
        raise NotADraft("Only drafts are checked.")
    await audit.record(
        session,
        actor=actor,
        action="case.viewed",
        target=Target("case", case_id),
        details={"side": view.side, "view": "drafting_checks"},
        authority_ids=view.authority_ids,
    )
    return report


async def get_case(session: AsyncSession, *, actor: Actor, view: CaseView) -> CaseRead:
    """One case as the caller sees it (audited as case.viewed)."""
    case_id = view.case.id
    result = read_of(
        view,
        time_in_status=await timeline.time_in_status(session, view.case),
        drafting=await drafting_report(session, view),
    )
    await audit.record(
        session,
        actor=actor,
        action="case.viewed",
        target=Target("case", case_id),
        details={"side": view.side},
        authority_ids=view.authority_ids,
    )
    return result


_DRAFT_FIELDS = set(CaseUpdate.model_fields) - {"requested_reference"}


async def update_case(
    session: AsyncSession, *, actor: Actor, case_id: uuid.UUID, data: CaseUpdate
) -> CaseRead:
    """Edit a draft (requesting side), or record one's own national reference (either side)."""
    view = await load_case(session, actor, case_id, for_update=True)
    await record_receipt_if_due(session, actor=actor, view=view)
    case = view.case
    changed = set(data.model_fields_set)
    if view.side == "observer":
        await deny(session, actor, ObserverCannotEdit(), case_id=case.id)
    if view.side == "requested":
        allowed = {"requested_reference"}
    elif case.status == "draft":
        allowed = _DRAFT_FIELDS
    else:
        allowed = {"requesting_reference"}
    refused = changed - allowed
    if refused and view.side == "requested":
        await deny(session, actor, OwnReferenceOnly(), case_id=case.id)
    if refused:
        raise NotADraft(f"Only a draft can be edited ({', '.join(sorted(refused))}).")
    before = audit_snapshot(case)
    was_shared = case.shared_for_consultation
    for name in changed:
        value = getattr(data, name)
        if name == "legal_basis":
            if value is None:
                raise ValidationFailed(errors=[{"field": name, "message": "cannot be empty"}])
            value = value.model_dump(mode="json", exclude_none=True)
        elif name == "persons":
            value = [p.model_dump(mode="json", exclude_none=True) for p in value or []]
        elif name in ("offences", "measures", "languages"):
            value = value or []
        elif name in ("title", "urgency", "confidential", "restricted", "summary") and (
            value is None
        ):
            raise ValidationFailed(errors=[{"field": name, "message": "cannot be empty"}])
        setattr(case, name, value)
    refresh_due_date(case)
    case.last_activity_at = utcnow()
    if case.shared_for_consultation != was_shared:
        timeline.add_entry(
            session,
            case,
            kind="draft_shared" if case.shared_for_consultation else "draft_unshared",
            actor=actor,
        )
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="case.updated",
        target=Target("case", case.id),
        changes=audit.diff(before, audit_snapshot(case)),
        details={"fields": sorted(changed)},
        authority_ids=view.authority_ids,
    )
    return read_of(view, drafting=await drafting_report(session, view))


async def list_cases(
    session: AsyncSession,
    *,
    actor: Actor,
    box: str | None = None,
    statuses: list[str] | None = None,
    types: list[str] | None = None,
    urgency: str | None = None,
    overdue: bool | None = None,
    counterpart: uuid.UUID | None = None,
    sort: str = "-updated",
    cursor: str | None = None,
    limit: int = 50,
) -> Page[CaseSummary]:
    """The caller's inbox: incoming, outgoing or all visible cases, filtered and sorted."""
    on = today()
    cases, next_cursor = await repository.inbox_page(
        session,
        visible=readable_clause(actor),
        authority_id=actor.authority_id,
        box=box,
        statuses=statuses or [],
        types=types or [],
        urgency=urgency,
        overdue=overdue,
        counterpart=counterpart,
        today=on,
        near_until=near_deadline_until(on),
        sort=sort,
        cursor=cursor,
        limit=limit,
    )
    await audit.record(
        session,
        actor=actor,
        action="case.list.viewed",
        target=None,
        details={"box": box, "count": len(cases), "case_ids": [str(c.id) for c in cases]},
        authority_ids=[actor.authority_id],
    )
    return Page[CaseSummary](items=[summary_of(c) for c in cases], next_cursor=next_cursor)


# A draft is unfinished work of the requesting side; the open statuses await the other side.
UNDER_WAY = ("draft", *OPEN_STATUSES)


async def count_cases(session: AsyncSession, *, actor: Actor) -> CaseCounts:
    """How many of the cases I take part in are under way, by status, and how many overdue."""
    rows = await repository.counts_by_status(
        session, visible=readable_clause(actor), statuses=UNDER_WAY, today=today()
    )
    by_status: dict[str, int] = {}
    overdue = 0
    for status, count, late_count in rows:
        by_status[status] = count
        overdue += late_count
    ordered = {status: by_status[status] for status in UNDER_WAY if status in by_status}
    return CaseCounts(by_status=ordered, open=sum(ordered.values()), overdue=overdue)
