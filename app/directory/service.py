"""The directory's verbs, and the functions other domains call.

Cross-domain contract (other domains import this module, never the directory's tables):
`get_authority`, `requirement_sheet_for`, `treaties_between`, `convention_basis_between` (the
finder's rule on the Convention as legal basis), `state_region`, `search_text`; for the
library's links `authorities_by_ids`, `sheets_by_ids`, `get_requirement_sheet`,
`treaties_with_parties`, `treaty_ids_of_state`, `known_state_codes`.
The verbs live in `authorities.py`, `sheets.py`, `treaties.py`, `contact_failures.py`,
`revisions.py`, `finder.py` and `exchange/`; they are re-exported here so routers and other
domains have one module to import.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.auth.permissions import Permission
from app.directory import access, repository
from app.directory.authorities import (
    create_authority,
    read_authority,
    search_authorities,
    update_authority,
    verify_authority,
)
from app.directory.contact_failures import (
    list_contact_failures,
    report_contact_failure,
    resolve_contact_failure,
)
from app.directory.exchange.exporting import export_directory
from app.directory.exchange.importing import import_directory
from app.directory.finder import convention_basis_between, find_authority
from app.directory.repository import AuthorityFilters
from app.directory.revisions import list_revisions
from app.directory.schemas import AuthorityName, StateRead
from app.directory.shapes import state_read
from app.directory.sheets import compare_sheets, list_sheets, put_sheet, read_sheet, verify_sheet
from app.directory.treaties import create_treaty, list_treaties, read_treaty, update_treaty
from app.models.directory import Authority, RequirementSheet, Treaty
from app.search.schemas import SearchHit


async def get_authority(session: AsyncSession, authority_id: uuid.UUID) -> Authority | None:
    """The authority with this id, or None."""
    return await repository.authority_by_id(session, authority_id)


async def requirement_sheet_for(
    session: AsyncSession, *, state_code: str, request_type: str, measure: str | None = None
) -> RequirementSheet | None:
    """The sheet of `state_code` for the request type: the measure's own sheet if it has one,
    else the general sheet of the request type."""
    return await repository.sheet_for(session, state_code.upper(), request_type, measure)


async def treaties_between(session: AsyncSession, state_a: str, state_b: str) -> list[Treaty]:
    """Treaties to which both states are parties, most specific (bilateral) first."""
    return await repository.treaties_linking(session, state_a.upper(), state_b.upper())


async def get_requirement_sheet(
    session: AsyncSession, sheet_id: uuid.UUID
) -> RequirementSheet | None:
    """The requirement sheet with this id, or None."""
    return await repository.sheet_by_id(session, sheet_id)


async def authorities_by_ids(
    session: AsyncSession, authority_ids: list[uuid.UUID]
) -> dict[uuid.UUID, Authority]:
    """The authorities among these ids (unknown ids are left out)."""
    return await repository.authorities_by_id(session, authority_ids) if authority_ids else {}


async def sheets_by_ids(
    session: AsyncSession, sheet_ids: list[uuid.UUID]
) -> dict[uuid.UUID, RequirementSheet]:
    """The requirement sheets among these ids (unknown ids are left out)."""
    return await repository.sheets_by_id(session, sheet_ids)


async def treaties_with_parties(
    session: AsyncSession, treaty_ids: list[uuid.UUID]
) -> dict[uuid.UUID, tuple[Treaty, list[str]]]:
    """The treaties among these ids, each with its parties' state codes."""
    treaties = await repository.treaties_by_id(session, treaty_ids)
    parties = await repository.parties_of(session, list(treaties))
    return {t_id: (treaty, parties[t_id]) for t_id, treaty in treaties.items()}


async def treaty_ids_of_state(session: AsyncSession, state_code: str) -> list[uuid.UUID]:
    """Ids of the treaties the state is party to."""
    return await repository.treaty_ids_of_state(session, state_code.upper())


async def known_state_codes(session: AsyncSession, codes: set[str]) -> set[str]:
    """Those of `codes` that are ISO 3166-1 states the directory knows."""
    return await repository.known_state_codes(session, codes) if codes else set()


async def state_region(session: AsyncSession, state_code: str) -> str | None:
    """The UN M49 region of the state ("Europe", "Africa", ...), or None if unknown."""
    return await repository.region_of_state(session, state_code.upper())


async def search_text(
    session: AsyncSession, *, actor: Actor, q: str, limit: int
) -> list[SearchHit]:
    """Authorities matching `q` for the cross-domain search, best first."""
    if not actor.can(Permission.DIRECTORY_READ):
        return []
    hits = await repository.search_authority_hits(session, q=q, limit=limit)
    return [
        SearchHit(
            scope="directory",
            type="authority",
            id=hit.id,
            title=f"{hit.name} ({hit.state_name})",
            snippet=hit.snippet,
            url=f"/api/v1/authorities/{hit.id}",
            link=f"/authorities/{hit.id}",
            rank=hit.rank,
        )
        for hit in hits
    ]


async def list_states(
    session: AsyncSession, *, actor: Actor, region: str | None = None
) -> list[StateRead]:
    """Every ISO 3166-1 state (optionally of one M49 region or sub-region), by name."""
    access.require_reader(actor)
    return [state_read(s) for s in await repository.states_by_name(session, region=region)]


async def list_authority_names(session: AsyncSession) -> list[AuthorityName]:
    """Every authority's name and State, for the application form (anyone may ask).

    Only what a published directory of central authorities shows anyway: no contacts,
    channels or notes, which stay for vetted members.
    """
    return [
        AuthorityName(id=id_, name=name, state_code=code, state_name=state)
        for id_, name, code, state in await repository.authority_names(session)
    ]


__all__ = [
    "AuthorityFilters",
    "authorities_by_ids",
    "compare_sheets",
    "convention_basis_between",
    "create_authority",
    "create_treaty",
    "export_directory",
    "find_authority",
    "get_authority",
    "get_requirement_sheet",
    "import_directory",
    "known_state_codes",
    "list_contact_failures",
    "list_revisions",
    "list_sheets",
    "list_states",
    "list_treaties",
    "put_sheet",
    "read_authority",
    "read_sheet",
    "read_treaty",
    "report_contact_failure",
    "requirement_sheet_for",
    "resolve_contact_failure",
    "search_authorities",
    "search_text",
    "sheets_by_ids",
    "state_region",
    "treaties_between",
    "treaties_with_parties",
    "treaty_ids_of_state",
    "update_authority",
    "update_treaty",
    "verify_authority",
    "verify_sheet",
]
