"""What the case verbs share: references, read shapes, overdue."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.cases.access import CaseView
from app.cases.constants import OPEN_STATUSES, REFERENCE_PREFIX
from app.cases.lifecycle import actions_for
from app.cases.schemas import CaseRead, CaseSummary
from app.models.cases import Case, CaseReferenceCounter


def today() -> date:
    return datetime.now(UTC).date()


def is_overdue(case: Case, on: date | None = None) -> bool:
    return (
        case.due_date is not None
        and case.status in OPEN_STATUSES
        and case.due_date < (on or today())
    )


def refresh_due_date(case: Case) -> None:
    case.due_date = case.expected_date or case.deadline
    if case.overdue_since is not None and not is_overdue(case):
        case.overdue_since = None  # a new date: the monitor may flag it again when it passes
    if case.deadline_near_for != case.due_date:
        case.deadline_near_for = None  # a new date: its nearness is announced again


async def allocate_reference(session: AsyncSession, case_type: str, year: int) -> str:
    """The next `MLA-2026-000123` style reference: one atomic upsert, no race, no gap reuse."""
    prefix = REFERENCE_PREFIX[case_type]
    table = CaseReferenceCounter.__table__  # type: ignore[attr-defined]
    stmt = (
        pg_insert(table)
        .values(prefix=prefix, year=year, last_value=1)
        .on_conflict_do_update(
            index_elements=["prefix", "year"],
            set_={"last_value": table.c.last_value + 1},
        )
        .returning(table.c.last_value)
    )
    number = (await session.execute(stmt)).scalar_one()
    return f"{prefix}-{year}-{number:06d}"


def summary_of(case: Case) -> CaseSummary:
    return CaseSummary.model_validate(
        {**_summary_fields(case), "overdue": is_overdue(case)}, from_attributes=False
    )


def _summary_fields(case: Case) -> dict[str, object]:
    return {name: getattr(case, name) for name in CaseSummary.model_fields if name != "overdue"}


def read_of(view: CaseView, **extra: object) -> CaseRead:
    case = view.case
    fields = {name: getattr(case, name) for name in CaseRead.model_fields if hasattr(case, name)}
    fields.update(
        overdue=is_overdue(case),
        side=view.side,
        allowed_actions=actions_for(view.side, case.status),
    )
    fields.update(extra)
    return CaseRead.model_validate(fields)


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
