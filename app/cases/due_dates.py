"""When a case is due: its due date (the expected date, else the deadline) and being overdue."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from app.cases.constants import OPEN_STATUSES
from app.cases.settings import get_cases_settings
from app.models.cases import Case


def today() -> date:
    return datetime.now(UTC).date()


def is_overdue(case: Case, on: date | None = None) -> bool:
    return (
        case.due_date is not None
        and case.status in OPEN_STATUSES
        and case.due_date < (on or today())
    )


def near_deadline_until(on: date | None = None) -> date:
    """The last due date that counts as near (the deadline monitor's window)."""
    return (on or today()) + timedelta(days=get_cases_settings().deadline_near_days)


def is_deadline_near(case: Case, on: date | None = None) -> bool:
    """Open, not yet overdue, and due within the near-deadline window."""
    return (
        case.due_date is not None
        and case.status in OPEN_STATUSES
        and (on or today()) <= case.due_date <= near_deadline_until(on)
    )


def refresh_due_date(case: Case) -> None:
    case.due_date = case.expected_date or case.deadline
    if case.overdue_since is not None and not is_overdue(case):
        case.overdue_since = None  # a new date: the monitor may flag it again when it passes
    if case.deadline_near_for != case.due_date:
        case.deadline_near_for = None  # a new date: its nearness is announced again
