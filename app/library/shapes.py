"""Rows -> API shapes, and the snapshot a revision and the audit entry keep.

`document_read` resolves a document's links through the directory's service and its editors
through identity's, a handful of queries for one document; lists use `document_summary`,
which needs only the files (loaded for the whole page at once).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.directory import service as directory_service
from app.identity import service as identity_service
from app.library.constants import TREATY_KINDS, DocumentAction
from app.library.repository import Links
from app.library.schemas import (
    LibraryDocumentRead,
    LibraryDocumentSummary,
    LibraryFileRead,
    LibraryLinkedAuthority,
    LibraryLinkedSheet,
    LibraryLinkedTreaty,
    LibraryPerson,
)
from app.models.library import LibraryDocument, LibraryFile

API = "/api/v1"
_METADATA = (
    "kind",
    "title",
    "state_code",
    "language",
    "version_date",
    "source_url",
    "summary",
    "tags",
)


def file_url(document_id: uuid.UUID, file_id: uuid.UUID) -> str:
    return f"{API}/library/documents/{document_id}/files/{file_id}"


def file_read(file: LibraryFile | None) -> LibraryFileRead | None:
    if file is None:
        return None
    return LibraryFileRead(
        id=file.id,
        filename=file.filename,
        content_type=file.content_type,
        size=file.size,
        sha256=file.sha256,
        uploaded_at=file.created_at,
        url=file_url(file.document_id, file.id),
    )


def document_summary(
    document: LibraryDocument, file: LibraryFile | None, rank: float | None = None
) -> LibraryDocumentSummary:
    return LibraryDocumentSummary(
        id=document.id,
        kind=document.kind,
        title=document.title,
        state_code=document.state_code,
        language=document.language,
        version_date=document.version_date,
        source_url=document.source_url,
        summary=document.summary,
        tags=list(document.tags),
        version=document.version,
        file=file_read(file),
        updated_at=document.updated_at,
        rank=rank,
    )


def snapshot(document: LibraryDocument, links: Links) -> dict[str, Any]:
    """What a version is: its metadata, links and file, JSON-ready (revisions and audit)."""
    data: dict[str, Any] = {name: getattr(document, name) for name in _METADATA}
    data["tags"] = list(document.tags)
    data["version_date"] = document.version_date.isoformat() if document.version_date else None
    data["authority_ids"] = sorted(str(i) for i in links.authority_ids)
    data["sheet_ids"] = sorted(str(i) for i in links.sheet_ids)
    data["treaty_ids"] = sorted(str(i) for i in links.treaty_ids)
    data["file_id"] = str(document.file_id) if document.file_id else None
    return data


async def concerned_states(
    session: AsyncSession, document: LibraryDocument, treaty_ids: list[uuid.UUID]
) -> list[str]:
    """Its State and, for a treaty, the parties of the directory treaties it is linked to."""
    states = {document.state_code} if document.state_code else set()
    if document.kind in TREATY_KINDS and treaty_ids:
        for _, parties in (
            await directory_service.treaties_with_parties(session, treaty_ids)
        ).values():
            states.update(parties)
    return sorted(states)


async def people(
    session: AsyncSession, user_ids: list[uuid.UUID | None]
) -> dict[uuid.UUID, LibraryPerson]:
    ids = sorted({u for u in user_ids if u is not None}, key=str)
    if not ids:
        return {}
    members = await identity_service.members_by_ids(session, ids)
    return {i: LibraryPerson(id=i, full_name=m.full_name) for i, m in members.items()}


async def document_read(
    session: AsyncSession,
    document: LibraryDocument,
    links: Links,
    *,
    actions: list[DocumentAction],
    states: list[str],
    file: LibraryFile | None,
) -> LibraryDocumentRead:
    authorities = await directory_service.authorities_by_ids(session, links.authority_ids)
    sheets = await directory_service.sheets_by_ids(session, links.sheet_ids)
    treaties = await directory_service.treaties_with_parties(session, links.treaty_ids)
    persons = await people(session, [document.created_by, document.updated_by])
    return LibraryDocumentRead(
        **document_summary(document, file).model_dump(),
        created_at=document.created_at,
        created_by=persons.get(document.created_by) if document.created_by else None,
        updated_by=persons.get(document.updated_by) if document.updated_by else None,
        states=states,
        authorities=[
            LibraryLinkedAuthority(id=a.id, name=a.name, state_code=a.state_code)
            for a in sorted(authorities.values(), key=lambda a: (a.name, str(a.id)))
        ],
        sheets=[
            LibraryLinkedSheet(
                id=s.id,
                state_code=s.state_code,
                request_type=s.request_type,
                measure=s.measure or None,
            )
            for s in sorted(sheets.values(), key=lambda s: (s.request_type, s.measure, str(s.id)))
        ],
        treaties=[
            LibraryLinkedTreaty(id=t.id, title=t.title, kind=t.kind, parties=parties)
            for t, parties in sorted(treaties.values(), key=lambda tp: (tp[0].title, str(tp[0].id)))
        ],
        allowed_actions=actions,
    )
