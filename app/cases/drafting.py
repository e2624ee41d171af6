"""Drafting help: a draft checked against the requested state's requirement sheet and the finder.

In the spirit of the UNODC request writer tool: each check says what is missing. Essential
checks block submission unless the officer records why (missing_essentials_reason); advice
checks only inform.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.cases.constants import CONVENTION_BASES
from app.cases.schemas import DraftCheck, DraftingReport
from app.directory import service as directory_service
from app.directory.constants import MEASURES
from app.models.cases import Case
from app.models.directory import Authority

# Request types whose request must describe the offences (so dual criminality and the
# rule of specialty can be assessed).
_NEEDS_OFFENCES = {"mla", "extradition", "confiscation", "transfer_of_proceedings"}
_NEEDS_MEASURES = {"mla", "confiscation"}
_NEEDS_PERSONS = {"extradition", "transfer_of_sentenced_persons"}
_REQUIREMENT_ADVICE = {
    "certified_translation": "a certified translation is required",
    "original_signed_request": "the signed original must follow through the formal channel",
    "issued_by_judicial_authority": "the request must be issued by a judicial authority",
    "reciprocity_assurance": "an assurance of reciprocity is required",
    "specialty_undertaking": "an undertaking on the rule of specialty is required",
    "confidentiality_undertaking": "an undertaking of confidentiality is required",
    "court_order_in_requesting_state": "a court order of the requesting state is required",
}


def _check(code: str, ok: bool, message: str, *, essential: bool = True) -> DraftCheck:
    return DraftCheck(code=code, ok=ok, essential=essential, message=message)


def _content_checks(case: Case) -> list[DraftCheck]:
    checks = [
        _check("summary", bool(case.summary.strip()), "summarise the facts of the case"),
        _check(
            "languages",
            bool(case.languages),
            "state the language(s) the request is written in",
        ),
    ]
    if case.type in _NEEDS_OFFENCES:
        checks.append(_check("offences", bool(case.offences), "list the offences concerned"))
    if case.type in _NEEDS_MEASURES:
        checks.append(_check("measures", bool(case.measures), "list the measures requested"))
    if case.type in _NEEDS_PERSONS:
        checks.append(_check("persons", bool(case.persons), "identify the person(s) concerned"))
    if case.urgency == "urgent":
        checks.append(
            _check(
                "urgency_reason",
                bool((case.urgency_reason or "").strip()),
                "explain why the request is urgent",
            )
        )
    if case.deadline is not None:
        checks.append(
            _check(
                "deadline_reason",
                bool((case.deadline_reason or "").strip()),
                "explain the requested deadline",
            )
        )
    return checks


async def check_draft(session: AsyncSession, case: Case) -> DraftingReport:
    """Every check of the draft against what the requested state requires."""
    checks = _content_checks(case)
    requested = await directory_service.get_authority(session, case.requested_authority_id)
    requesting = await directory_service.get_authority(session, case.requesting_authority_id)
    if requested is None or requesting is None:
        checks.append(_check("authority", False, "the requested authority no longer exists"))
        return _report(checks)

    if requested.types and case.type not in requested.types:
        checks.append(
            _check(
                "authority_competent",
                False,
                f"{requested.name} is not listed as competent for {case.type} requests; "
                "check the finder",
                essential=False,
            )
        )

    measure = next((m for m in case.measures if m in MEASURES), None)
    sheet = await directory_service.requirement_sheet_for(
        session, state_code=requested.state_code, request_type=case.type, measure=measure
    )
    accepted = sorted(set(requested.languages) | set(sheet.languages if sheet else []))
    if accepted and case.languages:
        checks.append(
            _check(
                "language_accepted",
                bool(set(case.languages) & set(accepted)),
                f"{requested.state_code} accepts requests in: {', '.join(accepted)}",
            )
        )
    if requested.channels and "direct_transmission" not in requested.channels:
        checks.append(
            _check(
                "channel",
                False,
                "the requested authority does not accept direct transmission; the formal "
                f"request must also go through: {', '.join(requested.channels)}",
                essential=False,
            )
        )
    if sheet is None:
        checks.append(
            _check(
                "requirement_sheet",
                False,
                f"{requested.state_code} has published no requirement sheet for {case.type}",
                essential=False,
            )
        )
    else:
        if sheet.possible is False:
            checks.append(
                _check(
                    "possible",
                    False,
                    f"{requested.state_code} reports this kind of request is not possible",
                )
            )
        if "dual_criminality" in sheet.requirements:
            checks.append(
                _check(
                    "dual_criminality",
                    bool(case.offences) and bool(case.summary.strip()),
                    "dual criminality is required: describe the conduct and the offences",
                )
            )
        for requirement in sheet.requirements:
            if requirement in _REQUIREMENT_ADVICE:
                checks.append(
                    _check(requirement, False, _REQUIREMENT_ADVICE[requirement], essential=False)
                )
    checks.append(await _basis_check(session, case, requested, requesting, measure))
    return _report(checks)


async def _basis_check(
    session: AsyncSession,
    case: Case,
    requested: Authority,
    requesting: Authority,
    measure: str | None,
) -> DraftCheck:
    kind = case.legal_basis.get("kind")
    if kind == "treaty":
        treaties = await directory_service.treaties_between(
            session, requesting.state_code, requested.state_code
        )
        treaty_id = str(case.legal_basis.get("treaty_id"))
        match = next((t for t in treaties if str(t.id) == treaty_id), None)
        return _check(
            "legal_basis",
            match is not None and (not match.subjects or case.type in match.subjects),
            "the treaty named must bind both states and cover this kind of request",
        )
    if kind in CONVENTION_BASES:
        # The finder's own answer for this pair, so the draft and the finder never disagree.
        basis = await directory_service.convention_basis_between(
            session,
            requesting_state=requesting.state_code,
            requested_state=requested.state_code,
            request_type=case.type,
            measure=measure,
        )
        # Only a stated refusal blocks; a state that has not said either way does not.
        accepted = basis["applicable"] is not False
        message = basis["note"]
        if not accepted:
            message += " Name a treaty or reciprocity as the legal basis."
        return _check("legal_basis", accepted, message)
    return _check("legal_basis", True, "legal basis stated", essential=False)


def _report(checks: list[DraftCheck]) -> DraftingReport:
    return DraftingReport(
        ready=all(c.ok for c in checks if c.essential),
        checks=checks,
    )
