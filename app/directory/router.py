"""HTTP endpoints of the directory domain (thin: parse, call one service function, shape)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import StringConstraints

from app.auth.actor import Actor
from app.auth.dependencies import RequirePermission
from app.auth.permissions import Permission
from app.core.idempotency import IdempotencyKeyHeader
from app.core.pagination import Cursor, Limit, Page
from app.db import DbSession
from app.directory import service
from app.directory.constants import AuthorityType, Channel, Measure, TreatyKind
from app.directory.exchange.formats import Entity, Format
from app.directory.schemas import (
    AuthorityCreate,
    AuthorityName,
    AuthorityRead,
    AuthoritySummary,
    AuthorityUpdate,
    ContactFailureCreate,
    ContactFailureRead,
    ContactFailureResolve,
    DirectoryRevisionRead,
    FinderAnswer,
    RequirementSheetDetail,
    RequirementSheetFields,
    SheetComparison,
    SheetList,
    StateRead,
    TreatyCreate,
    TreatyFields,
    TreatyRead,
)

router = APIRouter(tags=["directory"])

Reader = Annotated[Actor, RequirePermission(Permission.DIRECTORY_READ)]
# Creating things is for admins at the role level; editing an existing entry is decided per
# object (a focal point edits their own authority), so those routes take a Reader.
Admin = Annotated[Actor, RequirePermission(Permission.DIRECTORY_ADMIN)]
StateCodeQuery = Annotated[str, Query(pattern=r"^[A-Za-z]{3}$", description="ISO alpha-3")]
MeasureQuery = Annotated[Measure | None, Query(description="a measure; omitted: the general sheet")]
StatusQuery = Annotated[Literal["open", "all"], Query()]


@router.get("/states", summary="Every ISO 3166-1 state with its UN M49 region.")
async def list_states(
    actor: Reader, session: DbSession, region: str | None = None
) -> list[StateRead]:
    """Every ISO 3166-1 state with its UN M49 region."""
    return await service.list_states(session, actor=actor, region=region)


@router.get(
    "/directory/authority-names",
    summary="Every authority's name and State, for applicants (no sign-in).",
)
async def list_authority_names(session: DbSession) -> list[AuthorityName]:
    """Names and States only, for the application form's choice of authority."""
    return await service.list_authority_names(session)


@router.get("/authorities", summary="Search and filter the directory.")
async def search_authorities(
    actor: Reader,
    session: DbSession,
    cursor: Cursor = None,
    limit: Limit = 50,
    state: Annotated[
        list[Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$")]] | None,
        Query(description="ISO alpha-3; repeatable"),
    ] = None,
    region: Annotated[str | None, Query(description="UN M49 region or sub-region")] = None,
    type: AuthorityType | None = None,
    language: Annotated[str | None, Query(pattern=r"^[a-zA-Z]{2}$")] = None,
    channel: Channel | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    stale: bool | None = None,
    flagged: Annotated[bool | None, Query(description="has open contact-failure reports")] = None,
) -> Page[AuthoritySummary]:
    """Search and filter the directory; ranked by relevance when `q` is given."""
    filters = service.AuthorityFilters(
        states=[s.upper() for s in state or []],
        region=region,
        type=type,
        language=language.lower() if language else None,
        channel=channel,
        q=q.strip() if q and q.strip() else None,
        flagged=flagged,
    )
    return await service.search_authorities(
        session, actor=actor, filters=filters, stale=stale, cursor=cursor, limit=limit
    )


@router.post("/authorities", status_code=201, summary="Add an authority (admins).")
async def create_authority(
    actor: Admin,
    session: DbSession,
    body: AuthorityCreate,
    idempotency_key: IdempotencyKeyHeader = None,
) -> AuthorityRead:
    """Add an authority (admins)."""
    return await service.create_authority(
        session, actor=actor, data=body, idempotency_key=idempotency_key
    )


@router.get("/authorities/{authority_id}", summary="One directory entry.")
async def read_authority(
    actor: Reader, session: DbSession, authority_id: uuid.UUID
) -> AuthorityRead:
    """One directory entry, with its focal points and who last verified it."""
    return await service.read_authority(session, actor=actor, authority_id=authority_id)


@router.patch("/authorities/{authority_id}", summary="Edit an entry (admin or focal point).")
async def update_authority(
    actor: Reader, session: DbSession, authority_id: uuid.UUID, body: AuthorityUpdate
) -> AuthorityRead:
    """Edit the fields sent (admin, or the authority's focal point); saving verifies it."""
    return await service.update_authority(
        session, actor=actor, authority_id=authority_id, data=body
    )


@router.post("/authorities/{authority_id}/verify", summary="Confirm an entry is still correct.")
async def verify_authority(
    actor: Reader, session: DbSession, authority_id: uuid.UUID
) -> AuthorityRead:
    """Confirm the entry is still correct (admin or focal point); resets its staleness."""
    return await service.verify_authority(session, actor=actor, authority_id=authority_id)


@router.get("/authorities/{authority_id}/revisions", summary="Who changed what, when.")
async def list_authority_revisions(
    actor: Reader,
    session: DbSession,
    authority_id: uuid.UUID,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[DirectoryRevisionRead]:
    """Changes to an entry, newest first, with field-level diffs."""
    return await service.list_revisions(
        session,
        actor=actor,
        target_type="authority",
        target_id=authority_id,
        cursor=cursor,
        limit=limit,
    )


@router.post(
    "/authorities/{authority_id}/contact-failures",
    status_code=201,
    summary="Report that a contact of this entry failed.",
)
async def report_contact_failure(
    actor: Reader,
    session: DbSession,
    authority_id: uuid.UUID,
    body: ContactFailureCreate,
    idempotency_key: IdempotencyKeyHeader = None,
) -> ContactFailureRead:
    """Report that a contact failed (e.g. a bounced email): flags the entry for its focal
    point and the moderators."""
    return await service.report_contact_failure(
        session, actor=actor, authority_id=authority_id, data=body, idempotency_key=idempotency_key
    )


@router.get("/authorities/{authority_id}/contact-failures", summary="Failure reports of an entry.")
async def list_authority_contact_failures(
    actor: Reader,
    session: DbSession,
    authority_id: uuid.UUID,
    status: StatusQuery = "open",
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[ContactFailureRead]:
    """Failure reports of an entry (its focal point, moderators, admins)."""
    return await service.list_contact_failures(
        session,
        actor=actor,
        authority_id=authority_id,
        open_only=status == "open",
        cursor=cursor,
        limit=limit,
    )


@router.get("/directory/contact-failures", summary="Failure reports to handle.")
async def list_contact_failures(
    actor: Reader,
    session: DbSession,
    status: StatusQuery = "open",
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[ContactFailureRead]:
    """Failure reports: all for moderators and admins, their own authority's for a focal
    point."""
    return await service.list_contact_failures(
        session,
        actor=actor,
        authority_id=None,
        open_only=status == "open",
        cursor=cursor,
        limit=limit,
    )


@router.post("/directory/contact-failures/{report_id}/resolve", summary="Close a failure report.")
async def resolve_contact_failure(
    actor: Reader, session: DbSession, report_id: uuid.UUID, body: ContactFailureResolve
) -> ContactFailureRead:
    """Close a failure report (focal point of the authority, moderator or admin)."""
    return await service.resolve_contact_failure(
        session, actor=actor, report_id=report_id, resolution=body.resolution
    )


@router.get("/states/{code}/requirements", summary="A state's requirement sheets.")
async def list_requirement_sheets(
    actor: Reader,
    session: DbSession,
    code: str,
    request_type: AuthorityType | None = None,
) -> SheetList:
    """Every requirement sheet of a state (optionally of one request type)."""
    items = await service.list_sheets(
        session, actor=actor, state_code=code, request_type=request_type
    )
    return SheetList(items=items)


@router.get("/states/{code}/requirements/{request_type}", summary="One requirement sheet.")
async def read_requirement_sheet(
    actor: Reader,
    session: DbSession,
    code: str,
    request_type: AuthorityType,
    measure: MeasureQuery = None,
) -> RequirementSheetDetail:
    """The sheet of this request type and measure (no measure: the general sheet), with
    what the caller may do to it."""
    return await service.read_sheet(
        session, actor=actor, state_code=code, request_type=request_type, measure=measure
    )


@router.put(
    "/states/{code}/requirements/{request_type}",
    summary="Write a requirement sheet (admin or a focal point of the state).",
    responses={201: {"description": "created"}},
)
async def put_requirement_sheet(
    actor: Reader,
    session: DbSession,
    response: Response,
    code: str,
    request_type: AuthorityType,
    body: RequirementSheetFields,
    measure: MeasureQuery = None,
) -> RequirementSheetDetail:
    """Create or replace a sheet (admin or a focal point of the state); saving verifies it."""
    sheet, created = await service.put_sheet(
        session,
        actor=actor,
        state_code=code,
        request_type=request_type,
        measure=measure,
        data=body,
    )
    response.status_code = 201 if created else 200
    return sheet


@router.post(
    "/states/{code}/requirements/{request_type}/verify",
    summary="Confirm a sheet is still correct.",
)
async def verify_requirement_sheet(
    actor: Reader,
    session: DbSession,
    code: str,
    request_type: AuthorityType,
    measure: MeasureQuery = None,
) -> RequirementSheetDetail:
    """Confirm a sheet is still correct (admin or a focal point of the state)."""
    return await service.verify_sheet(
        session, actor=actor, state_code=code, request_type=request_type, measure=measure
    )


@router.get("/requirement-sheets/{sheet_id}/revisions", summary="Changes to a requirement sheet.")
async def list_sheet_revisions(
    actor: Reader,
    session: DbSession,
    sheet_id: uuid.UUID,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[DirectoryRevisionRead]:
    """Changes to a requirement sheet, newest first, with field-level diffs."""
    return await service.list_revisions(
        session,
        actor=actor,
        target_type="requirement_sheet",
        target_id=sheet_id,
        cursor=cursor,
        limit=limit,
    )


@router.get(
    "/requirements/compare",
    summary="Two states' requirement sheets side by side.",
    responses={404: {"description": "An unknown State code."}},
)
async def compare_requirement_sheets(
    actor: Reader,
    session: DbSession,
    state_a: StateCodeQuery,
    state_b: StateCodeQuery,
    request_type: AuthorityType,
    measure: MeasureQuery = None,
) -> SheetComparison:
    """Two states' requirement sheets for one request type, field by field."""
    return await service.compare_sheets(
        session,
        actor=actor,
        state_a=state_a,
        state_b=state_b,
        request_type=request_type,
        measure=measure,
    )


@router.get("/treaties", summary="Bilateral, regional and multilateral instruments.")
async def list_treaties(
    actor: Reader,
    session: DbSession,
    cursor: Cursor = None,
    limit: Limit = 50,
    state: Annotated[str | None, Query(pattern=r"^[A-Za-z]{3}$")] = None,
    subject: AuthorityType | None = None,
    kind: TreatyKind | None = None,
) -> Page[TreatyRead]:
    """Treaties, optionally those a state is party to or covering a request type."""
    return await service.list_treaties(
        session, actor=actor, state=state, subject=subject, kind=kind, cursor=cursor, limit=limit
    )


@router.post("/treaties", status_code=201, summary="Add a treaty (admins).")
async def create_treaty(
    actor: Admin,
    session: DbSession,
    body: TreatyCreate,
    idempotency_key: IdempotencyKeyHeader = None,
) -> TreatyRead:
    """Add a treaty and its parties (admins)."""
    return await service.create_treaty(
        session, actor=actor, data=body, idempotency_key=idempotency_key
    )


@router.get("/treaties/{treaty_id}", summary="One treaty.")
async def read_treaty(actor: Reader, session: DbSession, treaty_id: uuid.UUID) -> TreatyRead:
    """One treaty with its parties."""
    return await service.read_treaty(session, actor=actor, treaty_id=treaty_id)


@router.patch("/treaties/{treaty_id}", summary="Edit a treaty (admins).")
async def update_treaty(
    actor: Reader, session: DbSession, treaty_id: uuid.UUID, body: TreatyFields
) -> TreatyRead:
    """Edit the fields sent (admins)."""
    return await service.update_treaty(session, actor=actor, treaty_id=treaty_id, data=body)


@router.get("/treaties/{treaty_id}/revisions", summary="Changes to a treaty.")
async def list_treaty_revisions(
    actor: Reader,
    session: DbSession,
    treaty_id: uuid.UUID,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[DirectoryRevisionRead]:
    """Changes to a treaty, newest first, with field-level diffs."""
    return await service.list_revisions(
        session, actor=actor, target_type="treaty", target_id=treaty_id, cursor=cursor, limit=limit
    )


@router.get("/finder", summary="The authority finder.")
async def find_authority(
    actor: Reader,
    session: DbSession,
    requesting_state: StateCodeQuery,
    requested_state: StateCodeQuery,
    request_type: AuthorityType,
    measure: MeasureQuery = None,
    urgent: bool = False,
) -> FinderAnswer:
    """Which authority to address for a request, in which languages and channels, what
    the requirement sheet demands, which legal basis links the States, and what is stale."""
    return await service.find_authority(
        session,
        actor=actor,
        requesting_state=requesting_state,
        requested_state=requested_state,
        request_type=request_type,
        measure=measure,
        urgent=urgent,
    )


# The body is the file itself, parsed as `format` says whatever its Content-Type. A CSV file
# is described as bytes (`application/octet-stream`), not `text/csv`: client generators such
# as openapi-python-client have no body type for `text/csv` and drop it.
_IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "description": "A JSON export, or with `format=csv` the CSV file of one `entity`.",
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.get(
    "/directory/export",
    summary="Export the directory as JSON or CSV.",
    response_class=Response,
    responses={200: {"content": {"application/json": {}, "text/csv": {}}}},
)
async def export_directory(
    actor: Reader,
    session: DbSession,
    format: Format = "json",
    entity: Annotated[
        Entity | None, Query(description="CSV: which entity (default authorities)")
    ] = None,
) -> Response:
    """The whole directory as JSON, or one entity (authorities, requirement_sheets,
    treaties) as CSV; the file imports back unchanged."""
    text = await service.export_directory(session, actor=actor, format=format, entity=entity)
    label = entity or ("all" if format == "json" else "authorities")
    name = f"canet-directory-{label}"
    media = "application/json" if format == "json" else "text/csv; charset=utf-8"
    return Response(
        text,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}.{format}"'},
    )


@router.post(
    "/directory/import", summary="Import a directory file (admins).", openapi_extra=_IMPORT_BODY
)
async def import_directory(
    actor: Admin,
    session: DbSession,
    request: Request,
    format: Format = "json",
    entity: Annotated[Entity | None, Query(description="CSV: which entity the file holds")] = None,
    dry_run: bool = False,
) -> dict[str, object]:
    """Validate every row, then upsert them all, or write nothing and answer 422 with each
    problem's entity, row and field. The body is the file itself (JSON or CSV)."""
    raw = await request.body()
    return await service.import_directory(
        session, actor=actor, raw=raw, format=format, entity=entity, dry_run=dry_run
    )
