"""What other domains may learn of cases without reading them: a closed case's structured
outline for its nomination to the catalogue, the terms a text about it must not carry, and
counts of obstacles met between two States.

Nothing here hands out a case's text (title, summary, messages): the outline is enumerated
values, whole weeks and the two authorities; the sensitive terms are given only to a caller
who may see the case, and only to check a text for them; the counts are counts, with every
figure under `min_cases` withheld.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.cases.access import load_case
from app.cases.repository.obstacles import obstacle_totals
from app.core import audit
from app.core.audit import Target

# Statuses that end a case: nominations wait for the last of them.
CLOSED_STATUSES = ("closed",)
_WEEK = 7 * 24 * 3600


def _weeks(start: datetime | None, end: datetime | None) -> int | None:
    """Whole weeks between two moments, rounded to the nearest (half up)."""
    if start is None or end is None or end < start:
        return None
    return int((end - start).total_seconds() / _WEEK + 0.5)


@dataclass(frozen=True, slots=True)
class CaseOutline:
    """A case as the catalogue may take it in: values from fixed lists, never its text."""

    case_id: uuid.UUID
    side: str  # the caller's: requesting | requested | observer
    status: str
    closed: bool
    type: str
    measures: list[str]
    legal_basis_kind: str | None
    outcome: str | None
    refusal_ground: str | None
    requesting_authority_id: uuid.UUID
    requested_authority_id: uuid.UUID
    weeks_to_acknowledge: int | None
    weeks_to_execute: int | None


@dataclass(frozen=True, slots=True)
class SensitiveTerms:
    """What a text about a case must not carry: its persons' and parties' names, and what
    identifies the case (its reference, the two sides' national references, its id)."""

    names: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)


async def case_outline(session: AsyncSession, *, actor: Actor, case_id: uuid.UUID) -> CaseOutline:
    """The structured outline of a case the caller sees (404 otherwise), audited as a view."""
    view = await load_case(session, actor, case_id)
    case = view.case
    executed = case.outcome in ("executed", "partially_executed")
    outline = CaseOutline(
        case_id=case.id,
        side=view.side,
        status=case.status,
        closed=case.status in CLOSED_STATUSES,
        type=case.type,
        measures=list(case.measures),
        legal_basis_kind=(case.legal_basis or {}).get("kind"),
        outcome=case.outcome,
        refusal_ground=case.refusal_ground,
        requesting_authority_id=case.requesting_authority_id,
        requested_authority_id=case.requested_authority_id,
        weeks_to_acknowledge=_weeks(case.submitted_at, case.acknowledged_at),
        weeks_to_execute=_weeks(case.submitted_at, case.completed_at) if executed else None,
    )
    await audit.record(
        session,
        actor=actor,
        action="case.viewed",
        target=Target("case", case.id),
        details={"side": view.side, "view": "catalogue_outline"},
        authority_ids=view.authority_ids,
    )
    return outline


async def sensitive_terms(
    session: AsyncSession, *, actor: Actor, case_id: uuid.UUID
) -> SensitiveTerms:
    """The names and references a text about this case must not carry, for a caller who sees
    the case (404 otherwise); audited as a view of the case's persons."""
    view = await load_case(session, actor, case_id)
    case = view.case
    names = [
        str(person["name"]).strip()
        for person in case.persons or []
        if isinstance(person, dict) and str(person.get("name") or "").strip()
    ]
    references = [
        ref.strip()
        for ref in (case.reference, case.requesting_reference, case.requested_reference)
        if ref and ref.strip()
    ]
    references.append(str(case.id))
    await audit.record(
        session,
        actor=actor,
        action="case.viewed",
        target=Target("case", case.id),
        details={"side": view.side, "view": "personal_data_check"},
        authority_ids=view.authority_ids,
    )
    return SensitiveTerms(names=names, references=references)


@dataclass(frozen=True, slots=True)
class ObstacleCounts:
    """Counts of cases; None where fewer than `min_cases` cases stand behind the figure
    (zero included), and a refusal ground under it is left out altogether."""

    min_cases: int
    cases: int | None
    refused: int | None
    refusal_grounds: dict[str, int]
    delays: dict[str, int | None]


async def obstacle_counts(
    session: AsyncSession,
    *,
    requesting_state: str | None,
    requested_state: str | None,
    measure: str | None,
    min_cases: int = 3,
) -> ObstacleCounts:
    """Refusal grounds and delays recorded on the cases between two States (either may be
    left open) and/or for one measure: counts only, restricted cases never counted."""
    totals, grounds = await obstacle_totals(
        session,
        requesting=requesting_state.upper() if requesting_state else None,
        requested=requested_state.upper() if requested_state else None,
        measure=measure,
    )

    def shown(value: int) -> int | None:
        return int(value) if value >= min_cases else None

    return ObstacleCounts(
        min_cases=min_cases,
        cases=shown(totals.cases),
        refused=shown(totals.refused),
        refusal_grounds={
            row.ground: int(row.n)
            for row in sorted(grounds, key=lambda r: (-r.n, r.ground))
            if row.n >= min_cases
        },
        delays={
            "reported_delay": shown(totals.reported_delay),
            "postponed": shown(totals.postponed),
            "information_requested": shown(totals.information_requested),
            "went_overdue": shown(totals.went_overdue),
        },
    )
