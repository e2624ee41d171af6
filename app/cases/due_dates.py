"""When a case is due: its due date (the expected date, else the deadline) and being overdue."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.cases.constants import OPEN_STATUSES
from app.models.cases import Case


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
