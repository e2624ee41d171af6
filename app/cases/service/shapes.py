"""What a case looks like outside the database: the API's reads of it and its audit snapshot."""

from __future__ import annotations

from app.cases.access import CaseView
from app.cases.due_dates import is_deadline_near, is_overdue
from app.cases.lifecycle import actions_for
from app.cases.retention import hold_actions
from app.cases.schemas import CaseRead, CaseSummary, LegalHold
from app.models.cases import Case


def summary_of(case: Case) -> CaseSummary:
    return CaseSummary.model_validate(
        {
            **_summary_fields(case),
            "overdue": is_overdue(case),
            "deadline_near": is_deadline_near(case),
        },
        from_attributes=False,
    )


def _summary_fields(case: Case) -> dict[str, object]:
    derived = ("overdue", "deadline_near")
    return {name: getattr(case, name) for name in CaseSummary.model_fields if name not in derived}


def read_of(view: CaseView, **extra: object) -> CaseRead:
    case = view.case
    fields = {name: getattr(case, name) for name in CaseRead.model_fields if hasattr(case, name)}
    fields.update(
        overdue=is_overdue(case),
        deadline_near=is_deadline_near(case),
        side=view.side,
        allowed_actions=actions_for(
            view.side, case.status, consulted=case.consultation_at is not None
        ),
        may_manage_participants=view.may_manage_participants,
        legal_hold=legal_hold_of(case),
        legal_hold_actions=hold_actions(view),
    )
    fields.update(extra)
    return CaseRead.model_validate(fields)


def legal_hold_of(case: Case) -> LegalHold | None:
    if case.legal_hold_set_at is None:
        return None
    return LegalHold(
        reason=case.legal_hold_reason or "",
        side=case.legal_hold_side,
        set_by=case.legal_hold_set_by,
        set_at=case.legal_hold_set_at,
    )


def audit_snapshot(case: Case) -> dict[str, object]:
    """The fields whose changes the audit row records (no free text: it may be sensitive)."""
    return {
        "status": case.status,
        "urgency": case.urgency,
        "deadline": case.deadline,
        "expected_date": case.expected_date,
        "confidential": case.confidential,
        "restricted": case.restricted,
        "shared_for_consultation": case.shared_for_consultation,
        "requested_authority_id": case.requested_authority_id,
        "legal_basis_kind": case.legal_basis.get("kind"),
    }
