"""The authority finder: whom to address, how, under which legal basis, and what is stale.

Five indexed queries whatever the data: the two states, the requested state's authorities
(with their open failure reports), the requirement sheet, the treaties linking the states and
those treaties' parties.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.core.errors import ValidationFailed
from app.core.markdown import render_markdown
from app.directory import access, repository
from app.directory.library_links import finder_library_url
from app.directory.repository import AuthorityRow
from app.directory.schemas import FinderAnswer, FinderAuthority, FinderLegalBasis, StaleItem
from app.directory.settings import get_directory_settings, is_stale
from app.directory.shapes import authority_entry, sheet_read, state_read, treaty_read
from app.models.directory import Authority, RequirementSheet, State, Treaty

# What the Convention (UNTOC) says for each request type, and which authority flag (if any)
# records whether the requested state accepts it as the legal basis.
_CONVENTION: dict[str, dict[str, Any]] = {
    "extradition": {
        "articles": ["UNTOC art. 16"],
        "flag": "convention_basis_extradition",
        "yes": "{state} accepts the Convention as the legal basis for extradition (art. 16(4)).",
        "no": "{state} does not take the Convention as a legal basis for extradition: a "
        "treaty or its domestic law must provide one.",
    },
    "mla": {
        "articles": ["UNTOC art. 18"],
        "flag": "convention_basis_mla",
        "yes": "{state} accepts the Convention as the legal basis for mutual legal assistance: "
        "where no treaty binds the two States, art. 18(9)-(29) govern the request "
        "(art. 18(7)).",
        "no": "{state} does not accept the Convention alone as the basis for mutual legal "
        "assistance.",
    },
    "confiscation": {
        "articles": ["UNTOC art. 13", "UNTOC art. 18"],
        "flag": "convention_basis_mla",
        "yes": "{state} accepts the Convention as a legal basis; art. 13 applies with art. 18 "
        "mutatis mutandis.",
        "no": "{state} does not accept the Convention alone as the basis for confiscation "
        "requests (art. 13(6)).",
    },
    "transfer_of_sentenced_persons": {
        "articles": ["UNTOC art. 17"],
        "note": "The Convention does not itself provide a legal basis: art. 17 invites States "
        "to conclude agreements on the transfer of sentenced persons.",
        "applicable": False,
    },
    "transfer_of_proceedings": {
        "articles": ["UNTOC art. 21"],
        "note": "The Convention does not itself provide a legal basis: art. 21 asks States to "
        "consider transferring proceedings; domestic law or a treaty must allow it.",
        "applicable": False,
    },
    "migrant_smuggling_art8": {
        "articles": ["Smuggling of Migrants Protocol art. 8"],
        "note": "Art. 8 of the Protocol applies between States parties to the Protocol; "
        "requests go to the authority designated under art. 8(6).",
    },
    "law_enforcement_cooperation": {
        "articles": ["UNTOC art. 27"],
        "note": "Without a specific agreement, States may consider the Convention as the "
        "basis for law enforcement cooperation (art. 27(2)).",
    },
}


# The catalogue's obstacles-and-solutions view: the finder only links to it (the directory
# imports neither the catalogue nor cases, which compute it).
OBSTACLES_PATH = "/api/v1/catalogue/obstacles"


def obstacles_url(requesting_state: str, requested_state: str, measure: str | None) -> str:
    """The API path of what the network knows of obstacles for this pair (and measure)."""
    query = {"requesting_state": requesting_state, "requested_state": requested_state}
    if measure:
        query["measure"] = measure
    return f"{OBSTACLES_PATH}?{urlencode(query)}"


def convention_basis(
    request_type: str, authority: Authority | None, state: State, has_treaty: bool
) -> dict[str, Any]:
    """{applicable, articles, note}: whether the Convention can be the legal basis, in words."""
    rule = _CONVENTION.get(request_type)
    if rule is None:
        return {"applicable": None, "articles": [], "note": "No Convention article applies."}
    if "flag" not in rule:
        return {
            "applicable": rule.get("applicable"),
            "articles": rule["articles"],
            "note": rule["note"],
        }
    flag = getattr(authority, rule["flag"]) if authority else None
    if flag is None:
        note = f"{state.name} has not stated whether it accepts the Convention as legal basis."
    else:
        note = rule["yes" if flag else "no"].format(state=state.name)
    if has_treaty:
        note += " A treaty also links the two States (see treaties)."
    return {"applicable": flag, "articles": rule["articles"], "note": note}


@dataclass(frozen=True, slots=True)
class _Route:
    """What the finder and the convention-basis answer both rest on, for one pair and type."""

    rows: list[tuple[Authority, int]]
    handling: list[Authority]
    sheet: RequirementSheet | None
    treaties: list[Treaty]
    recommended: Authority | None


async def _route(
    session: AsyncSession, requesting: str, requested: str, request_type: str, measure: str | None
) -> _Route:
    rows = await repository.authorities_of_state(session, requested, request_type=request_type)
    sheet = await repository.sheet_for(session, requested, request_type, measure)
    treaties = [
        t
        for t in await repository.treaties_linking(session, requesting, requested)
        if not t.subjects or request_type in t.subjects
    ]
    handling = [a for a, _ in rows if request_type in a.types]
    return _Route(rows, handling, sheet, treaties, _recommend(handling, sheet))


async def convention_basis_between(
    session: AsyncSession,
    *,
    requesting_state: str,
    requested_state: str,
    request_type: str,
    measure: str | None,
) -> dict[str, Any]:
    """The finder's `legal_basis.convention` for this pair and request type, on its own."""
    requesting, requested = requesting_state.upper(), requested_state.upper()
    state = (await repository.states_by_code(session, [requested])).get(requested)
    if state is None:
        return {"applicable": None, "articles": [], "note": f"Unknown state {requested}."}
    route = await _route(session, requesting, requested, request_type, measure)
    return convention_basis(request_type, route.recommended, state, bool(route.treaties))


async def find_authority(
    session: AsyncSession,
    *,
    actor: Actor,
    requesting_state: str,
    requested_state: str,
    request_type: str,
    measure: str | None,
    urgent: bool,
) -> FinderAnswer:
    """Which authority of the requested state to address for this request, and how."""
    access.require_reader(actor)
    requesting, requested = requesting_state.upper(), requested_state.upper()
    states = await repository.states_by_code(session, [requesting, requested])
    errors = [
        {"field": field, "message": f"unknown state {code}"}
        for field, code in (("requesting_state", requesting), ("requested_state", requested))
        if code not in states
    ]
    if errors:
        raise ValidationFailed(errors=errors)
    stale_before = get_directory_settings().stale_before()
    route = await _route(session, requesting, requested, request_type, measure)
    rows, handling, sheet = route.rows, route.handling, route.sheet
    treaties, recommended = route.treaties, route.recommended
    parties = await repository.parties_of(session, [t.id for t in treaties])

    state = states[requested]
    entries = [
        FinderAuthority(
            authority=authority_entry(
                AuthorityRow(a, state.name, state.region, failures, None, None), stale_before
            ),
            handles_request_type=request_type in a.types,
        )
        for a, failures in rows
    ]
    if recommended is not None:
        entries.sort(key=lambda e: e.authority.id != recommended.id)

    warnings: list[str] = []
    if not rows:
        warnings.append(f"The directory has no authority for {state.name}.")
    elif not handling:
        warnings.append(f"No authority of {state.name} is listed for {request_type}.")
    if sheet is None:
        warnings.append(f"{state.name} has no requirement sheet for {request_type}.")
    elif sheet.possible is False:
        warnings.append(f"{state.name} states that this request is not possible.")
    elif measure and sheet.measure != measure:
        warnings.append("No sheet for this measure: the general sheet of the request type.")
    failing = [
        e.authority for e in entries if e.authority.open_failure_reports and e.handles_request_type
    ]
    for entry in failing:
        warnings.append(f"Members reported that contacting {entry.name} failed recently.")
    if requesting == requested:
        warnings.append("The requesting and requested States are the same.")

    stale_items = [
        StaleItem(
            type="authority", id=e.authority.id, last_verified_at=e.authority.last_verified_at
        )
        for e in entries
        if e.authority.stale
    ]
    if sheet is not None and is_stale(sheet.last_verified_at, stale_before):
        stale_items.append(
            StaleItem(
                type="requirement_sheet", id=sheet.id, last_verified_at=sheet.last_verified_at
            )
        )

    languages = (sheet.languages if sheet and sheet.languages else None) or (
        recommended.languages if recommended else []
    )
    urgent_block = None
    if urgent and recommended is not None:
        urgent_block = {
            "authority_id": str(recommended.id),
            "procedure": recommended.urgent_procedure,
            "procedure_html": render_markdown(recommended.urgent_procedure)
            if recommended.urgent_procedure
            else None,
            "contact_24_7": recommended.contact_24_7,
            "interpol_accepted": "interpol" in recommended.channels,
        }
        if not recommended.urgent_procedure and not recommended.contact_24_7:
            warnings.append(f"{recommended.name} lists no urgent procedure or 24/7 contact.")

    return FinderAnswer(
        requesting_state=state_read(states[requesting]),
        requested_state=state_read(state),
        request_type=request_type,
        measure=measure,
        urgent=urgent,
        recommended_authority_id=recommended.id if recommended else None,
        authorities=entries,
        languages=languages,
        channels=recommended.channels if recommended else [],
        requirement_sheet=sheet_read(sheet, stale_before) if sheet else None,
        legal_basis=FinderLegalBasis(
            treaties=[treaty_read(t, parties[t.id]) for t in treaties],
            convention=convention_basis(request_type, recommended, state, bool(treaties)),
        ),
        urgent_procedure=urgent_block,
        stale=stale_items,
        warnings=warnings,
        obstacles_url=obstacles_url(requesting, requested, measure),
        library_url=finder_library_url(requesting, requested, request_type, measure),
    )


def _recommend(handling: list[Authority], sheet: RequirementSheet | None) -> Authority | None:
    """The sheet's receiving authority if it handles the type, else the first that does."""
    if sheet is not None and sheet.receiving_authority_id is not None:
        for authority in handling:
            if authority.id == sheet.receiving_authority_id:
                return authority
    return handling[0] if handling else None
