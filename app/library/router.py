"""HTTP endpoints of the library (thin: parse, call one service function, shape).

Every member but auditors reads every document; a document that does not exist answers 404.
Writes are decided per document (admins, or a focal point for their State's laws and
bilateral treaties): 403 with the reason, the refusal audited.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from app.auth.actor import Actor
from app.auth.dependencies import RequirePermission
from app.auth.permissions import Permission
from app.cases.storage import BlobStorage
from app.config import Settings
from app.core.idempotency import IdempotencyKeyHeader
from app.core.pagination import Cursor, Limit, Page
from app.db import DbSession
from app.directory.constants import LANGUAGE_PATTERN, STATE_CODE_PATTERN, AuthorityType, Measure
from app.library import service
from app.library.constants import DocumentKind
from app.library.files import LIBRARY_TYPES
from app.library.repository import DocumentFilters
from app.library.schemas import (
    LibraryApplicable,
    LibraryDocumentCreate,
    LibraryDocumentRead,
    LibraryDocumentSummary,
    LibraryDocumentUpdate,
    LibraryRevisionRead,
)
from app.library.storage import library_storage

router = APIRouter(tags=["library"])

Reader = Annotated[Actor, RequirePermission(Permission.LIBRARY_READ)]
StateQuery = Annotated[str | None, Query(pattern=STATE_CODE_PATTERN, description="ISO alpha-3")]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _storage(request: Request) -> BlobStorage:
    storage: BlobStorage | None = getattr(request.app.state, "library_storage", None)
    if storage is None:
        storage = library_storage(_settings(request))
        request.app.state.library_storage = storage
    return storage


def _filters(
    q: Annotated[str | None, Query(max_length=200, description="words to find")] = None,
    state: Annotated[
        str | None,
        Query(
            pattern=STATE_CODE_PATTERN,
            description="the State's own documents and the texts of treaties it is party to",
        ),
    ] = None,
    kind: DocumentKind | None = None,
    language: Annotated[
        str | None, Query(pattern=LANGUAGE_PATTERN, description="ISO 639-1")
    ] = None,
    tag: Annotated[str | None, Query(max_length=40)] = None,
    authority_id: uuid.UUID | None = None,
    sheet_id: uuid.UUID | None = None,
    treaty_id: uuid.UUID | None = None,
) -> DocumentFilters:
    return DocumentFilters(
        q=q,
        state=state.upper() if state else None,
        kind=kind,
        language=language.lower() if language else None,
        tag=tag.strip().lower() if tag and tag.strip() else None,
        authority_id=authority_id,
        sheet_id=sheet_id,
        treaty_id=treaty_id,
    )


Filters = Annotated[DocumentFilters, Depends(_filters)]


@router.post("/library/documents", status_code=201, summary="Add a document to the library.")
async def create_document(
    data: LibraryDocumentCreate,
    session: DbSession,
    actor: Reader,
    idempotency_key: IdempotencyKeyHeader = None,
) -> LibraryDocumentRead:
    """Admins any document; a focal point their State's laws and bilateral treaties."""
    return await service.create_document(
        session, actor=actor, data=data, idempotency_key=idempotency_key
    )


@router.get("/library/documents", summary="Browse and search the library.")
async def list_documents(
    session: DbSession,
    actor: Reader,
    filters: Filters,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[LibraryDocumentSummary]:
    """Documents, last changed first (best match first with `q`), filtered by State, kind,
    language, tag, or a link to an authority, requirement sheet or treaty."""
    return await service.list_documents(
        session, actor=actor, filters=filters, cursor=cursor, limit=limit
    )


@router.get("/library/applicable", summary="The laws and treaties that apply.")
async def applicable(
    session: DbSession,
    actor: Reader,
    authority_id: uuid.UUID | None = None,
    sheet_id: uuid.UUID | None = None,
    requesting_state: StateQuery = None,
    requested_state: StateQuery = None,
    request_type: AuthorityType | None = None,
    measure: Measure | None = None,
) -> LibraryApplicable:
    """For an authority, a requirement sheet, or a request from one State to another: the
    documents linked to it, the treaties linking the States, then the State's laws."""
    return await service.applicable(
        session,
        actor=actor,
        authority_id=authority_id,
        sheet_id=sheet_id,
        requesting_state=requesting_state,
        requested_state=requested_state,
        request_type=request_type,
        measure=measure,
    )


@router.get("/library/documents/{document_id}", summary="One document.")
async def get_document(
    document_id: uuid.UUID, session: DbSession, actor: Reader
) -> LibraryDocumentRead:
    """Its metadata, links, current file, and what the caller may do to it."""
    return await service.get_document(session, actor=actor, document_id=document_id)


@router.patch("/library/documents/{document_id}", summary="Edit a document (a new revision).")
async def update_document(
    document_id: uuid.UUID, data: LibraryDocumentUpdate, session: DbSession, actor: Reader
) -> LibraryDocumentRead:
    """The fields sent; every edit is a new revision, audited."""
    return await service.update_document(session, actor=actor, document_id=document_id, data=data)


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
                        "note": {"type": "string", "description": "what this version changes"},
                    },
                }
            }
        },
    }
}


@router.post(
    "/library/documents/{document_id}/file",
    status_code=201,
    summary="Upload the document's file (a new revision).",
    openapi_extra=_MULTIPART,
    responses={415: {"description": "A file type the library does not take, judged by content."}},
)
async def upload_file(
    document_id: uuid.UUID, request: Request, session: DbSession, actor: Reader
) -> LibraryDocumentRead:
    """multipart `file` (and `note`): streamed, size-limited (413), typed by content (415),
    SHA-256 kept; it becomes the current file, earlier ones stay with their revisions."""
    return await service.upload_file(
        session,
        actor=actor,
        document_id=document_id,
        body=request.stream(),
        content_type=request.headers.get("content-type", ""),
        storage=_storage(request),
        limit=_settings(request).max_attachment_bytes,
    )


def _disposition(filename: str) -> str:
    fallback = filename.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def _stream(download: service.Download) -> StreamingResponse:
    file = download.file
    return StreamingResponse(
        download.chunks,
        media_type=file.content_type,
        headers={
            "Content-Disposition": _disposition(file.filename),
            "Content-Length": str(file.size),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "Cache-Control": "private, no-store",
            "X-Content-SHA256": file.sha256,
        },
    )


# Served with the type judged at upload, one of LIBRARY_TYPES, and documented so. Binary first:
# a client generator takes the first media type it knows and reads the file as bytes.
_DOWNLOAD: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The file's bytes, with the type judged from its content at upload.",
        "content": {
            media_type: {"schema": {"type": "string", "format": "binary"}}
            for media_type in ["application/octet-stream", *sorted(LIBRARY_TYPES)]
        },
    }
}


@router.get(
    "/library/documents/{document_id}/file",
    summary="Download the document's current file.",
    response_class=StreamingResponse,
    responses=_DOWNLOAD,
)
async def download_current_file(
    document_id: uuid.UUID, request: Request, session: DbSession, actor: Reader
) -> StreamingResponse:
    """The bytes, as an attachment, with the type judged at upload; 404 without a file."""
    download = await service.download_file(
        session, actor=actor, document_id=document_id, file_id=None, storage=_storage(request)
    )
    return _stream(download)


@router.get(
    "/library/documents/{document_id}/files/{file_id}",
    summary="Download one of the document's files.",
    response_class=StreamingResponse,
    responses=_DOWNLOAD,
)
async def download_file(
    document_id: uuid.UUID,
    file_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Reader,
) -> StreamingResponse:
    """The file of any version of the document (see its revisions), as an attachment."""
    download = await service.download_file(
        session, actor=actor, document_id=document_id, file_id=file_id, storage=_storage(request)
    )
    return _stream(download)


@router.get("/library/documents/{document_id}/revisions", summary="Every version of a document.")
async def list_revisions(
    document_id: uuid.UUID,
    session: DbSession,
    actor: Reader,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[LibraryRevisionRead]:
    """Newest first: who, when, the note, what changed, the metadata and file of each."""
    return await service.list_revisions(
        session, actor=actor, document_id=document_id, cursor=cursor, limit=limit
    )
