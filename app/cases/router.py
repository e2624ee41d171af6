"""HTTP endpoints of the cases domain (thin: parse, call one service function, shape).

Every route under /cases/{case_id} answers 404 to anyone who may not see the case, whatever
their role; a refusal on a case that exists is audited (case.access.denied) where it is made.
The read routes first record the receipt (`record_receipt`: the requested side's first look
at a submitted case), so that the reads themselves never change the case; the case it loads
(with the caller's side, or 404) is what the read then reads.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from app.auth.actor import Actor
from app.auth.dependencies import CurrentUser, RequirePermission, current_user, signs_in
from app.auth.permissions import Permission
from app.cases import service as cases_service
from app.cases.access import refuse_without_case_access
from app.cases.constants import CaseStatus, CaseType, Urgency
from app.cases.crypto import Vault
from app.cases.schemas import (
    AttachmentDeletion,
    AttachmentRead,
    Box,
    CaseCounts,
    CaseCreate,
    CaseExport,
    CaseMetrics,
    CaseRead,
    CaseSort,
    CaseSummary,
    CaseUpdate,
    DraftingReport,
    LegalHoldRequest,
    MessageCreate,
    MessageRead,
    ParticipantCreate,
    ParticipantRead,
    TimelineEntryRead,
    TransitionRequest,
)
from app.cases.storage import BlobStorage, storage_for
from app.config import Settings
from app.core.idempotency import IdempotencyKeyHeader
from app.core.pagination import Cursor, Limit, Page
from app.core.responses import page_response
from app.db import DbSession

router = APIRouter(tags=["cases"])


@signs_in
async def case_actor(request: Request, session: DbSession) -> Actor:
    # Authenticates itself rather than through a CurrentUser dependency: one level less for
    # FastAPI to solve on every case request (no case route takes both).
    actor = await current_user(request, session)
    # Not 403: to a member without case access every case answers like a missing one.
    if not actor.can(Permission.CASE_ACCESS):
        case_id = _uuid_or_none(request.path_params.get("case_id"))
        await refuse_without_case_access(session, actor, case_id)
    return actor


def _uuid_or_none(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


CaseActor = Annotated[Actor, Depends(case_actor, scope="function")]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _vault(request: Request) -> Vault:
    vault: Vault | None = getattr(request.app.state, "case_vault", None)
    if vault is None:
        vault = Vault(_settings(request))
        request.app.state.case_vault = vault
    return vault


def _storage(request: Request) -> BlobStorage:
    storage: BlobStorage | None = getattr(request.app.state, "case_storage", None)
    if storage is None:
        storage = storage_for(_settings(request))
        request.app.state.case_storage = storage
    return storage


@router.post("/cases", status_code=201, summary="Open a draft case.")
async def create_case(
    data: CaseCreate,
    session: DbSession,
    actor: Annotated[Actor, RequirePermission(Permission.CASE_CREATE)],
    idempotency_key: IdempotencyKeyHeader = None,
) -> CaseRead:
    """Open a draft case from your authority to the requested authority."""
    return await cases_service.create_case(
        session, actor=actor, data=data, idempotency_key=idempotency_key
    )


@router.get("/cases", summary="The inbox: incoming and outgoing cases.")
async def list_cases(
    session: DbSession,
    actor: Annotated[Actor, RequirePermission(Permission.CASE_ACCESS)],
    box: Box | None = None,
    status: Annotated[list[CaseStatus] | None, Query()] = None,
    type: Annotated[list[CaseType] | None, Query()] = None,
    urgency: Urgency | None = None,
    overdue: bool | None = None,
    counterpart: uuid.UUID | None = None,
    sort: CaseSort = "-updated",
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[CaseSummary]:
    """Cases you take part in; filter by box, status, type, urgency, overdue, counterpart."""
    return await cases_service.list_cases(
        session,
        actor=actor,
        box=box,
        statuses=list(status or []),
        types=list(type or []),
        urgency=urgency,
        overdue=overdue,
        counterpart=counterpart,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )


@router.get(
    "/cases/metrics",
    summary="Counts and turnaround figures.",
    response_model=None,
    responses={200: {"model": CaseMetrics, "content": {"text/csv": {}}}},
)
async def case_metrics(
    session: DbSession,
    actor: CurrentUser,
    authority_id: uuid.UUID | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    format: Literal["json", "csv"] = "json",
) -> CaseMetrics | Response:
    """Per authority and pair: by status, time to acknowledge/execute, refusals, basis."""
    figures = await cases_service.case_metrics(
        session, actor=actor, authority_id=authority_id, since=since, until=until
    )
    if format == "csv":
        return Response(
            cases_service.metrics_csv(figures),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="case-metrics.csv"'},
        )
    return figures


@router.get("/cases/counts", summary="How many of my cases are under way, by status.")
async def count_cases(
    session: DbSession,
    actor: Annotated[Actor, RequirePermission(Permission.CASE_ACCESS)],
) -> CaseCounts:
    """Drafts and open cases I take part in, by status, and how many are overdue."""
    return await cases_service.count_cases(session, actor=actor)


@router.get("/cases/{case_id}", summary="One case.")
async def get_case(case_id: uuid.UUID, session: DbSession, actor: CaseActor) -> CaseRead:
    """The case, the caller's side, allowed actions, time in each status, drafting checks."""
    view = await cases_service.record_receipt(session, actor=actor, case_id=case_id)
    return await cases_service.get_case(session, actor=actor, view=view)


@router.patch("/cases/{case_id}", summary="Edit a draft, or record your own reference.")
async def update_case(
    case_id: uuid.UUID, data: CaseUpdate, session: DbSession, actor: CaseActor
) -> CaseRead:
    """Requesting side while draft: any field; either side: its own national reference."""
    return await cases_service.update_case(session, actor=actor, case_id=case_id, data=data)


@router.get(
    "/cases/{case_id}/checks",
    summary="Drafting checks of a draft.",
    responses={409: {"description": "The case is no longer a draft."}},
)
async def drafting_checks(
    case_id: uuid.UUID, session: DbSession, actor: CaseActor
) -> DraftingReport:
    """What the requested state requires and what the draft still lacks."""
    view = await cases_service.record_receipt(session, actor=actor, case_id=case_id)
    return await cases_service.check_draft(session, actor=actor, view=view)


@router.post("/cases/{case_id}/transitions", summary="Move the case through its lifecycle.")
async def transition_case(
    case_id: uuid.UUID, data: TransitionRequest, session: DbSession, actor: CaseActor
) -> CaseRead:
    """Take an action: 403 if it belongs to the other side, 409 if not allowed now."""
    return await cases_service.transition_case(session, actor=actor, case_id=case_id, request=data)


@router.get(
    "/cases/{case_id}/messages", summary="The case's messages.", response_model=Page[MessageRead]
)
async def list_messages(
    case_id: uuid.UUID,
    session: DbSession,
    actor: CaseActor,
    cursor: Cursor = None,
    limit: Limit = 50,
    after_message_id: uuid.UUID | None = Query(
        None, description="only the messages after this one (the last one a page shows)"
    ),
) -> Response:
    """Messages oldest first, with their handling codes."""
    view = await cases_service.record_receipt(session, actor=actor, case_id=case_id)
    items, next_cursor = await cases_service.list_messages(
        session,
        actor=actor,
        view=view,
        cursor=cursor,
        limit=limit,
        after_message_id=after_message_id,
    )
    return page_response(items, next_cursor)


@router.post("/cases/{case_id}/messages", status_code=201, summary="Post a message.")
async def post_message(
    case_id: uuid.UUID,
    data: MessageCreate,
    session: DbSession,
    actor: CaseActor,
    idempotency_key: IdempotencyKeyHeader = None,
) -> MessageRead:
    """Markdown body, optional handling code (H3 needs handling_note), kind consultation."""
    return await cases_service.post_message(
        session, actor=actor, case_id=case_id, data=data, idempotency_key=idempotency_key
    )


@router.get("/cases/{case_id}/attachments", summary="The case's files.")
async def list_attachments(
    case_id: uuid.UUID, session: DbSession, actor: CaseActor
) -> list[AttachmentRead]:
    """Names, sizes, content types and SHA-256 digests."""
    view = await cases_service.record_receipt(session, actor=actor, case_id=case_id)
    return await cases_service.list_attachments(session, actor=actor, view=view)


_MULTIPART = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "handling_code": {"type": "string", "enum": ["H0", "H1", "H2", "H3"]},
                    },
                }
            }
        },
    }
}


@router.post(
    "/cases/{case_id}/attachments",
    status_code=201,
    summary="Upload a file (streamed, encrypted at rest).",
    openapi_extra=_MULTIPART,
    responses={415: {"description": "A file type not accepted, judged by its content."}},
)
async def upload_attachment(
    case_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: CaseActor,
    idempotency_key: IdempotencyKeyHeader = None,
) -> AttachmentRead:
    """multipart `file`: size-limited (413), type checked by content (415), SHA-256 kept."""
    return await cases_service.upload_attachment(
        session,
        actor=actor,
        case_id=case_id,
        body=request.stream(),
        content_type=request.headers.get("content-type", ""),
        vault=_vault(request),
        storage=_storage(request),
        limit=_settings(request).max_attachment_bytes,
        idempotency_key=idempotency_key,
    )


def _disposition(filename: str) -> str:
    fallback = filename.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


@router.get(
    "/cases/{case_id}/attachments/{attachment_id}",
    summary="Download a file (always as an attachment).",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/octet-stream": {}}},
        410: {"description": "The file was deleted or purged: only its tombstone remains."},
    },
)
async def download_attachment(
    case_id: uuid.UUID,
    attachment_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: CaseActor,
) -> StreamingResponse:
    """The decrypted bytes; never rendered inline; every download audited."""
    view = await cases_service.record_receipt(session, actor=actor, case_id=case_id)
    download = await cases_service.download_attachment(
        session,
        actor=actor,
        view=view,
        attachment_id=attachment_id,
        vault=_vault(request),
        storage=_storage(request),
    )
    meta = download.attachment
    # Always octet-stream, as the document says: the type judged at upload is in the
    # attachment's `content_type`; the download itself never invites a client to render it.
    return StreamingResponse(
        download.chunks,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": _disposition(meta.filename),
            "Content-Length": str(meta.size),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "Cache-Control": "private, no-store",
            "X-Content-SHA256": meta.sha256,
        },
    )


@router.delete(
    "/cases/{case_id}/attachments/{attachment_id}",
    summary="Delete a file, keeping its tombstone.",
    responses={
        409: {"description": "The case is under a legal hold (`legal-hold`)."},
        410: {"description": "The file was already deleted or purged."},
    },
)
async def delete_attachment(
    case_id: uuid.UUID,
    attachment_id: uuid.UUID,
    data: AttachmentDeletion,
    request: Request,
    session: DbSession,
    actor: CaseActor,
) -> AttachmentRead:
    """Focal point of the uploading side, or the uploader while under way; never under hold."""
    return await cases_service.delete_attachment(
        session,
        actor=actor,
        case_id=case_id,
        attachment_id=attachment_id,
        reason=data.reason,
        storage=_storage(request),
    )


@router.post(
    "/cases/{case_id}/legal-hold",
    summary="Place a legal hold on the case's files.",
    responses={409: {"description": "A legal hold stands already (`legal-hold-exists`)."}},
)
async def place_legal_hold(
    case_id: uuid.UUID, data: LegalHoldRequest, session: DbSession, actor: CaseActor
) -> CaseRead:
    """Focal points of either side: no file of the case is deleted or purged until released."""
    return await cases_service.place_legal_hold(
        session, actor=actor, case_id=case_id, reason=data.reason
    )


@router.delete(
    "/cases/{case_id}/legal-hold",
    summary="Release the legal hold.",
    responses={409: {"description": "There is no legal hold (`no-legal-hold`)."}},
)
async def release_legal_hold(
    case_id: uuid.UUID, data: LegalHoldRequest, session: DbSession, actor: CaseActor
) -> CaseRead:
    """Focal points of the side that placed it, with a reason (shown on the timeline)."""
    return await cases_service.release_legal_hold(
        session, actor=actor, case_id=case_id, reason=data.reason
    )


@router.get("/cases/{case_id}/timeline", summary="The case's timeline and receipts.")
async def get_timeline(
    case_id: uuid.UUID, session: DbSession, actor: CaseActor
) -> list[TimelineEntryRead]:
    """Every status change (with who and when), receipt, deadline notice and invitation."""
    view = await cases_service.record_receipt(session, actor=actor, case_id=case_id)
    return await cases_service.get_timeline(session, actor=actor, view=view)


@router.get("/cases/{case_id}/participants", summary="Assigned officers and observers.")
async def list_participants(
    case_id: uuid.UUID, session: DbSession, actor: CaseActor
) -> list[ParticipantRead]:
    """Who was invited or assigned, by whom, until when."""
    view = await cases_service.record_receipt(session, actor=actor, case_id=case_id)
    return await cases_service.list_participants(session, actor=actor, view=view)


@router.post(
    "/cases/{case_id}/participants", status_code=201, summary="Invite an observer or assign."
)
async def invite_participant(
    case_id: uuid.UUID, data: ParticipantCreate, session: DbSession, actor: CaseActor
) -> ParticipantRead:
    """Focal point or assigned officer: an observer for a limited time, or an officer."""
    return await cases_service.invite_participant(session, actor=actor, case_id=case_id, data=data)


@router.delete(
    "/cases/{case_id}/participants/{user_id}", status_code=204, summary="End a participation."
)
async def remove_participant(
    case_id: uuid.UUID, user_id: uuid.UUID, session: DbSession, actor: CaseActor
) -> Response:
    """End an observer's invitation or an assignment now."""
    await cases_service.remove_participant(session, actor=actor, case_id=case_id, user_id=user_id)
    return Response(status_code=204)


@router.get(
    "/cases/{case_id}/export",
    summary="The case file as JSON.",
    response_model=CaseExport,
    response_class=JSONResponse,
)
async def export_case(case_id: uuid.UUID, session: DbSession, actor: CaseActor) -> JSONResponse:
    """Case, timeline, messages, attachment digests and handling codes, for the national file."""
    view = await cases_service.record_receipt(session, actor=actor, case_id=case_id)
    data = await cases_service.export_case(session, actor=actor, view=view)
    return JSONResponse(
        data.model_dump(mode="json"),
        headers={
            "Content-Disposition": f'attachment; filename="{data.case.reference}.json"',
            "Cache-Control": "private, no-store",
        },
    )
