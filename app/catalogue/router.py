"""HTTP endpoints of the catalogue (thin: parse, call one service function, shape).

An entry the caller may not see answers 404, whatever their role; a nomination of a case the
caller may not see answers the cases domain's 404. No route returns a case's id or reference.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from app.auth.actor import Actor
from app.auth.dependencies import RequirePermission
from app.auth.permissions import Permission
from app.catalogue import service
from app.catalogue.constants import CrimeType, LegalBasis
from app.catalogue.repository import EntryFilters
from app.catalogue.schemas import (
    CatalogueEntryCreate,
    CatalogueEntryDetail,
    CatalogueEntryRead,
    CatalogueEntryUpdate,
    CatalogueFacets,
    CatalogueFigures,
    CatalogueNomination,
    CatalogueObstacles,
    CatalogueQueueItem,
    CatalogueTransition,
    CooperationType,
    Outcome,
)
from app.core.idempotency import IdempotencyKeyHeader
from app.core.pagination import Cursor, Limit, Page
from app.db import DbSession
from app.directory.constants import STATE_CODE_PATTERN, Measure

router = APIRouter(tags=["catalogue"])

Reader = Annotated[Actor, RequirePermission(Permission.CATALOGUE_READ)]
Contributor = Annotated[Actor, RequirePermission(Permission.CATALOGUE_CONTRIBUTE)]
StateCode = Annotated[str | None, Query(pattern=STATE_CODE_PATTERN)]


def _filters(
    q: Annotated[str | None, Query(max_length=200, description="words to find")] = None,
    kind: Literal["case", "practice"] | None = None,
    cooperation_type: CooperationType | None = None,
    measure: Measure | None = None,
    crime_type: CrimeType | None = None,
    legal_basis: LegalBasis | None = None,
    region: Annotated[str | None, Query(max_length=80, description="UN M49 region")] = None,
    outcome: Outcome | None = None,
    year: Annotated[int | None, Query(ge=1900, le=9999, description="of publication")] = None,
) -> EntryFilters:
    return EntryFilters(
        q=q,
        kind=kind,
        cooperation_type=cooperation_type,
        measure=measure,
        crime_type=crime_type,
        legal_basis=legal_basis,
        region=region,
        outcome=outcome,
        year=year,
    )


Filters = Annotated[EntryFilters, Depends(_filters)]


@router.post("/catalogue/entries", status_code=201, summary="Nominate a case or write a note.")
async def create_entry(
    data: CatalogueEntryCreate,
    session: DbSession,
    actor: Contributor,
    idempotency_key: IdempotencyKeyHeader = None,
) -> CatalogueEntryDetail:
    """A draft entry: from a closed case of yours (`case_id`) or a good-practice note."""
    return await service.create_entry(
        session, actor=actor, data=data, idempotency_key=idempotency_key
    )


@router.get("/catalogue/nominations/{case_id}", summary="Whether I may nominate a case.")
async def nomination(case_id: uuid.UUID, session: DbSession, actor: Reader) -> CatalogueNomination:
    """The same rules as the nomination, asked beforehand: may the caller nominate this case
    now, and if not, why. 404 for a case the caller may not see."""
    return await service.nomination_check(session, actor=actor, case_id=case_id)


@router.get("/catalogue/entries", summary="Browse and search the published catalogue.")
async def list_entries(
    session: DbSession,
    actor: Reader,
    filters: Filters,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[CatalogueEntryRead]:
    """Published entries, newest first (best match first with `q`), filtered by facet."""
    return await service.list_entries(
        session, actor=actor, filters=filters, cursor=cursor, limit=limit
    )


@router.get("/catalogue/facets", summary="Facet counts of the published catalogue.")
async def facets(session: DbSession, actor: Reader, filters: Filters) -> CatalogueFacets:
    """How many published entries match the filters, by each facet's values."""
    return await service.facets(session, actor=actor, filters=filters)


@router.get(
    "/catalogue/export",
    summary="The published catalogue as JSON or CSV.",
    response_class=Response,
    responses={200: {"content": {"application/json": {}, "text/csv": {}}}},
)
async def export_catalogue(
    session: DbSession, actor: Reader, format: Literal["json", "csv"] = "json"
) -> Response:
    """Every published entry, the fields of the read (no case id, reference or date)."""
    content = await service.export_catalogue(session, actor=actor, format=format)
    media = "application/json" if format == "json" else "text/csv; charset=utf-8"
    return Response(
        content,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="catalogue.{format}"'},
    )


@router.get("/catalogue/figures", summary="Published cases by legal basis, region and year.")
async def figures(
    session: DbSession,
    actor: Reader,
    region_of: Literal["requested", "requesting"] = "requested",
) -> CatalogueFigures:
    """The Convention versus treaties, reciprocity and domestic law, by region and year."""
    return await service.figures(session, actor=actor, region_of=region_of)


@router.get("/catalogue/obstacles", summary="Obstacles and solutions for a pair or a measure.")
async def obstacles(
    session: DbSession,
    actor: Reader,
    requesting_state: StateCode = None,
    requested_state: StateCode = None,
    measure: Measure | None = None,
) -> CatalogueObstacles:
    """Refusal grounds and delays on cases (counts of 3 or more only) and the catalogue's
    obstacles and solutions, between two States and/or for one measure."""
    return await service.obstacles(
        session,
        actor=actor,
        requesting_state=requesting_state,
        requested_state=requested_state,
        measure=measure,
    )


@router.get("/catalogue/queue", summary="Entries waiting for me or written by me.")
async def my_queue(session: DbSession, actor: Reader) -> list[CatalogueQueueItem]:
    """My entries, those awaiting my authority's consent, and (moderators) those in review."""
    return await service.my_queue(session, actor=actor)


@router.get("/catalogue/entries/{entry_id}", summary="One entry.")
async def get_entry(
    entry_id: uuid.UUID, session: DbSession, actor: Reader
) -> CatalogueEntryDetail | CatalogueEntryRead:
    """The published entry; to its author, its authorities' focal points and moderators also
    its status, personal-data flags, consent, review and what the caller may do."""
    return await service.get_entry(session, actor=actor, entry_id=entry_id)


@router.patch("/catalogue/entries/{entry_id}", summary="Edit an entry, justify its flags.")
async def update_entry(
    entry_id: uuid.UUID, data: CatalogueEntryUpdate, session: DbSession, actor: Contributor
) -> CatalogueEntryDetail:
    """The author, while draft, declined or sent back: the check runs again on every edit."""
    return await service.update_entry(session, actor=actor, entry_id=entry_id, data=data)


@router.post("/catalogue/entries/{entry_id}/transitions", summary="Move an entry on.")
async def transition_entry(
    entry_id: uuid.UUID, data: CatalogueTransition, session: DbSession, actor: Reader
) -> CatalogueEntryDetail:
    """submit, consent, decline, approve, request_changes, reject, withdraw_consent, withdraw."""
    return await service.transition_entry(session, actor=actor, entry_id=entry_id, request=data)
