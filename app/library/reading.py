"""Reading the library: browse and search, a document's revisions, and the documents that
apply to an authority, a requirement sheet or a finder's request.

Reads are not audited: the library holds public legal texts, read by every member.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.core.errors import NotFound, ValidationFailed
from app.core.pagination import Key, Page, decode_cursor, encode_cursor
from app.directory import service as directory_service
from app.library import access, repository
from app.library.constants import APPLICABLE_LIMIT, Reason
from app.library.repository import DocumentFilters
from app.library.schemas import (
    LibraryApplicable,
    LibraryApplicableDocument,
    LibraryDocumentSummary,
    LibraryRevisionRead,
)
from app.library.shapes import API, document_summary, file_read, people
from app.models.library import LibraryDocument
from app.search.query import MAX_QUERY_CHARS, has_words, prefix_query


def _query(filters: DocumentFilters) -> tuple[Any | None, bool]:
    """(the tsquery, whether the text query can match anything at all)."""
    q = (filters.q or "").strip()[:MAX_QUERY_CHARS]
    if not q:
        return None, True
    if not has_words(q):
        return None, False
    return prefix_query(q), True


async def list_documents(
    session: AsyncSession,
    *,
    actor: Actor,
    filters: DocumentFilters,
    cursor: str | None,
    limit: int,
) -> Page[LibraryDocumentSummary]:
    """Documents matching the filters: best matches first with `q`, else last changed first."""
    query, possible = _query(filters)
    after: tuple[Any, ...] | None
    if query is not None:
        after = decode_cursor(cursor, Key.float, Key.uuid)
    else:
        after = decode_cursor(cursor, Key.datetime, Key.uuid)
    if not possible:
        return Page[LibraryDocumentSummary](items=[], next_cursor=None)
    state_treaties: list[uuid.UUID] = []
    if filters.state:
        state_treaties = await directory_service.treaty_ids_of_state(session, filters.state)
    rows = await repository.documents_page(
        session,
        filters,
        query=query,
        state_treaty_ids=state_treaties,
        after=after,
        limit=limit + 1,
    )
    items, more = rows[:limit], len(rows) > limit
    next_cursor = None
    if more and items:
        last = items[-1]
        key = (
            [last.rank, last.document.id]
            if query is not None
            else [last.document.updated_at, last.document.id]
        )
        next_cursor = encode_cursor(key)
    files = await repository.files_by_id(session, [r.document.file_id for r in items])
    return Page[LibraryDocumentSummary](
        items=[
            document_summary(
                r.document, files.get(r.document.file_id) if r.document.file_id else None, r.rank
            )
            for r in items
        ],
        next_cursor=next_cursor,
    )


async def list_revisions(
    session: AsyncSession,
    *,
    actor: Actor,
    document_id: uuid.UUID,
    cursor: str | None,
    limit: int,
) -> Page[LibraryRevisionRead]:
    """Every version of the document, newest first: who, when, what changed, which file."""
    after = decode_cursor(cursor, Key.int)
    document = await access.access_document(session, actor, document_id)
    rows = await repository.revisions_page(session, document.id, after=after, limit=limit + 1)
    items, more = rows[:limit], len(rows) > limit
    files = await repository.files_by_id(session, [r.file_id for r in items])
    persons = await people(session, [r.actor_user_id for r in items])
    return Page[LibraryRevisionRead](
        items=[
            LibraryRevisionRead(
                id=r.id or 0,
                version=r.version,
                action=r.action,
                actor=persons.get(r.actor_user_id) if r.actor_user_id else None,
                note=r.note,
                created_at=r.created_at,
                changes=r.changes,
                document=r.snapshot,
                file=file_read(files.get(r.file_id)) if r.file_id else None,
            )
            for r in items
        ],
        next_cursor=encode_cursor([items[-1].id]) if more and items else None,
    )


class _Collected:
    """Documents in the order they were first found, each with every reason it was found."""

    def __init__(self) -> None:
        self.documents: dict[uuid.UUID, LibraryDocument] = {}
        self.reasons: dict[uuid.UUID, list[Reason]] = {}

    def add(self, documents: Iterable[LibraryDocument], reason: Reason) -> None:
        for document in documents:
            self.documents.setdefault(document.id, document)
            reasons = self.reasons.setdefault(document.id, [])
            if reason not in reasons:
                reasons.append(reason)


def _browse_url(state: str | None) -> str | None:
    return f"{API}/library/documents?{urlencode({'state': state})}" if state else None


async def applicable(
    session: AsyncSession,
    *,
    actor: Actor,
    authority_id: uuid.UUID | None = None,
    sheet_id: uuid.UUID | None = None,
    requesting_state: str | None = None,
    requested_state: str | None = None,
    request_type: str | None = None,
    measure: str | None = None,
) -> LibraryApplicable:
    """The documents that apply to an authority, a requirement sheet, or a request from one
    State to another (the finder's): those linked first, then the State's national laws."""
    finder = any(v is not None for v in (requesting_state, requested_state, request_type))
    modes = sum([authority_id is not None, sheet_id is not None, finder])
    if modes != 1:
        raise ValidationFailed(
            "Ask for one of: authority_id, sheet_id, or requesting_state, requested_state "
            "and request_type."
        )
    found = _Collected()
    state: str | None
    if authority_id is not None:
        authority = await directory_service.get_authority(session, authority_id)
        if authority is None:
            raise NotFound("No such authority.")
        state = authority.state_code
        linked = await repository.documents_linked(
            session, authority_id=authority_id, limit=APPLICABLE_LIMIT
        )
        found.add(linked, "authority")
    elif sheet_id is not None:
        sheet = await directory_service.get_requirement_sheet(session, sheet_id)
        if sheet is None:
            raise NotFound("No such requirement sheet.")
        state = sheet.state_code
        linked = await repository.documents_linked(
            session, sheet_id=sheet_id, limit=APPLICABLE_LIMIT
        )
        found.add(linked, "sheet")
    else:
        state = await _finder_documents(
            session,
            found,
            requesting_state=requesting_state,
            requested_state=requested_state,
            request_type=request_type,
            measure=measure,
        )
    found.add(
        await repository.national_laws_of(session, state, limit=APPLICABLE_LIMIT), "national_law"
    )
    documents = list(found.documents.values())[:APPLICABLE_LIMIT]
    files = await repository.files_by_id(session, [d.file_id for d in documents])
    return LibraryApplicable(
        items=[
            LibraryApplicableDocument(
                **document_summary(d, files.get(d.file_id) if d.file_id else None).model_dump(),
                reasons=found.reasons[d.id],
            )
            for d in documents
        ],
        browse_url=_browse_url(state),
    )


async def _finder_documents(
    session: AsyncSession,
    found: _Collected,
    *,
    requesting_state: str | None,
    requested_state: str | None,
    request_type: str | None,
    measure: str | None,
) -> str:
    """The finder's request: documents of its requirement sheet and of the treaties linking
    the two States (covering the request type); the requested State is returned."""
    missing = [
        {"field": name, "message": "required with the finder's other parameters"}
        for name, value in (
            ("requesting_state", requesting_state),
            ("requested_state", requested_state),
            ("request_type", request_type),
        )
        if value is None
    ]
    if missing:
        raise ValidationFailed(errors=missing)
    assert requesting_state and requested_state and request_type
    requesting, requested = requesting_state.upper(), requested_state.upper()
    known = await directory_service.known_state_codes(session, {requesting, requested})
    unknown = [
        {"field": name, "message": f"unknown state {code}"}
        for name, code in (("requesting_state", requesting), ("requested_state", requested))
        if code not in known
    ]
    if unknown:
        raise ValidationFailed(errors=unknown)
    sheet = await directory_service.requirement_sheet_for(
        session, state_code=requested, request_type=request_type, measure=measure
    )
    if sheet is not None:
        found.add(
            await repository.documents_linked(session, sheet_id=sheet.id, limit=APPLICABLE_LIMIT),
            "sheet",
        )
    # As the finder does: a treaty that lists its subjects must cover the request type.
    treaties = [
        t
        for t in await directory_service.treaties_between(session, requesting, requested)
        if not t.subjects or request_type in t.subjects
    ]
    if treaties:
        found.add(
            await repository.documents_linked(
                session, treaty_ids=[t.id for t in treaties], limit=APPLICABLE_LIMIT
            ),
            "treaty",
        )
    return requested
