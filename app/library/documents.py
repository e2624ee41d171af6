"""Writing documents: create, edit (each a new revision, audited), read one.

The links are checked against the directory through its service: a national law links
authorities and requirement sheets of its own State, a treaty links the directory's treaties
of its kind (a bilateral treaty's State, if named, must be a party of each).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.core import audit, idempotency
from app.core.audit import Target
from app.core.errors import ValidationFailed
from app.directory import service as directory_service
from app.library import access, repository
from app.library.constants import DIRECTORY_TREATY_KINDS, LAW_KINDS, TREATY_KINDS
from app.library.exceptions import StaleVersion
from app.library.repository import Links
from app.library.schemas import LibraryDocumentCreate, LibraryDocumentRead, LibraryDocumentUpdate
from app.library.shapes import concerned_states, document_read, snapshot
from app.models.base import utcnow
from app.models.library import LibraryDocument, LibraryRevision

_OPTIONAL = ("state_code", "version_date", "source_url")
_REQUIRED = ("kind", "title", "language")
_LINKS = ("authority_ids", "sheet_ids", "treaty_ids")


async def check_document(
    session: AsyncSession, document: LibraryDocument, links: Links
) -> list[str]:
    """422 unless the kind, State and links fit together; the States it concerns."""
    errors: list[dict[str, str]] = []

    def error(field: str, message: str) -> None:
        errors.append({"field": field, "message": message})

    kind, state = document.kind, document.state_code
    if state and not await directory_service.known_state_codes(session, {state}):
        error("state_code", f"unknown state {state}")
    if kind in LAW_KINDS and not state:
        error("state_code", "a national law belongs to a State")
    if kind not in LAW_KINDS:
        if links.authority_ids:
            error("authority_ids", "only national laws link to authorities")
        if links.sheet_ids:
            error("sheet_ids", "only national laws link to requirement sheets")
    if kind not in TREATY_KINDS and links.treaty_ids:
        error("treaty_ids", "only treaties link to the directory's treaties")

    authorities = await directory_service.authorities_by_ids(session, links.authority_ids)
    for authority_id in links.authority_ids:
        authority = authorities.get(authority_id)
        if authority is None:
            error("authority_ids", f"no authority {authority_id}")
        elif kind in LAW_KINDS and state and authority.state_code != state:
            error("authority_ids", f"{authority.name} is not an authority of {state}")
    sheets = await directory_service.sheets_by_ids(session, links.sheet_ids)
    for sheet_id in links.sheet_ids:
        sheet = sheets.get(sheet_id)
        if sheet is None:
            error("sheet_ids", f"no requirement sheet {sheet_id}")
        elif kind in LAW_KINDS and state and sheet.state_code != state:
            error("sheet_ids", f"requirement sheet {sheet_id} is not one of {state}")

    states = {state} if state else set()
    treaties = await directory_service.treaties_with_parties(session, links.treaty_ids)
    accepted = DIRECTORY_TREATY_KINDS.get(kind, frozenset())
    for treaty_id in links.treaty_ids:
        found = treaties.get(treaty_id)
        if found is None:
            error("treaty_ids", f"no treaty {treaty_id}")
            continue
        treaty, parties = found
        if kind in TREATY_KINDS and treaty.kind not in accepted:
            error("treaty_ids", f"{treaty.title} is a {treaty.kind} treaty")
        if kind == "bilateral_treaty" and state and state not in parties:
            error("treaty_ids", f"{state} is not a party of {treaty.title}")
        states.update(parties)
    if kind == "bilateral_treaty" and not states:
        error(
            "state_code", "a bilateral treaty names a State party or links the directory's treaty"
        )
    if errors:
        raise ValidationFailed(errors=errors)
    return sorted(states)


def _search_text(document: LibraryDocument) -> dict[str, str]:
    return {"title": document.title, "text": " ".join([document.summary, *document.tags])}


def _authority_ids(actor: Actor, links: Links) -> list[uuid.UUID | None]:
    return [actor.authority_id, *links.authority_ids]


async def record_revision(
    session: AsyncSession,
    *,
    actor: Actor,
    document: LibraryDocument,
    links: Links,
    action: str,
    changes: dict[str, Any],
    note: str | None,
) -> LibraryRevision:
    revision = LibraryRevision(
        document_id=document.id,
        version=document.version,
        action=action,
        actor_user_id=actor.user_id,
        note=note or None,
        snapshot=snapshot(document, links),
        changes=changes,
        file_id=document.file_id,
        created_at=utcnow(),
    )
    session.add(revision)
    await session.flush()
    return revision


async def create_document(
    session: AsyncSession,
    *,
    actor: Actor,
    data: LibraryDocumentCreate,
    idempotency_key: str | None = None,
) -> LibraryDocumentRead:
    """Add a document (its first revision); admins any kind, focal points their State's."""
    editor = await access.editor_of(session, actor)
    if not editor.edits_anything:
        await access.deny(
            session,
            actor,
            "Admins and focal points add documents to the library.",
            action="library.document.create",
            document_id=None,
        )
    document_id = uuid.uuid4()
    first = await idempotency.claim(
        session,
        user_id=actor.user_id,
        scope="library.document",
        key=idempotency_key,
        resource_id=document_id,
    )
    if first is not None:
        return await get_document(session, actor=actor, document_id=first)
    now = utcnow()
    document = LibraryDocument(
        id=document_id,
        kind=data.kind,
        title=data.title,
        state_code=data.state_code,
        language=data.language,
        version_date=data.version_date,
        source_url=data.source_url,
        summary=data.summary or "",
        tags=list(data.tags or []),
        version=1,
        created_by=actor.user_id,
        updated_by=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    links = Links(
        authority_ids=sorted(data.authority_ids or [], key=str),
        sheet_ids=sorted(data.sheet_ids or [], key=str),
        treaty_ids=sorted(data.treaty_ids or [], key=str),
    )
    states = await check_document(session, document, links)
    if not access.may_edit(editor, document.kind, document.state_code, states):
        await access.deny(
            session,
            actor,
            reach_message(editor.state_code),
            action="library.document.create",
            document_id=None,
        )
    session.add(document)
    await session.flush()
    await repository.replace_links(session, document.id, links)
    await repository.write_search_vector(session, document.id, **_search_text(document))
    after = snapshot(document, links)
    await record_revision(
        session,
        actor=actor,
        document=document,
        links=links,
        action="created",
        changes=audit.diff({}, after),
        note=data.note,
    )
    await audit.record(
        session,
        actor=actor,
        action="library.document.created",
        target=Target("library_document", document.id),
        changes=audit.diff({}, after),
        details={"kind": document.kind, "state_code": document.state_code, "version": 1},
        authority_ids=_authority_ids(actor, links),
    )
    return await document_read(
        session,
        document,
        links,
        actions=access.actions(editor, document, states),
        states=states,
        file=None,
    )


def reach_message(state: str | None) -> str:
    if state is None:
        return "Only admins edit this document."
    return (
        f"A focal point edits the national laws of {state} and the bilateral treaties "
        f"{state} is party to; model tools, manuals, forms and multilateral treaties are "
        "for admins."
    )


def _apply(document: LibraryDocument, links: Links, data: LibraryDocumentUpdate) -> None:
    sent = data.model_fields_set - {"version", "note"}
    for name in sent:
        value = getattr(data, name)
        if name in _REQUIRED and value is None:
            raise ValidationFailed(errors=[{"field": name, "message": "cannot be empty"}])
        if name in _LINKS:
            setattr(links, name, sorted(value or [], key=str))
        elif name == "summary":
            document.summary = value or ""
        elif name == "tags":
            document.tags = list(value or [])
        elif name in _REQUIRED or name in _OPTIONAL:
            setattr(document, name, value)


async def update_document(
    session: AsyncSession, *, actor: Actor, document_id: uuid.UUID, data: LibraryDocumentUpdate
) -> LibraryDocumentRead:
    """Edit the fields sent: a new revision with what changed, audited."""
    document = await access.access_document(session, actor, document_id, for_update=True)
    links = await repository.links_of(session, document.id)
    editor = await access.editor_of(session, actor)
    before_states = await concerned_states(session, document, links.treaty_ids)
    if not access.may_edit(editor, document.kind, document.state_code, before_states):
        await access.deny(
            session,
            actor,
            reach_message(editor.state_code),
            action="library.document.update",
            document_id=document.id,
        )
    if data.version is not None and data.version != document.version:
        raise StaleVersion(document.version)
    before = snapshot(document, links)
    # Not flushed before the check: a half-made change could break a table constraint.
    with session.no_autoflush:
        _apply(document, links, data)
        states = await check_document(session, document, links)
    if not access.may_edit(editor, document.kind, document.state_code, states):
        # The edit would take the document out of the editor's reach.
        await access.deny(
            session,
            actor,
            reach_message(editor.state_code),
            action="library.document.update",
            document_id=document.id,
        )
    changes = audit.diff(before, snapshot(document, links))
    if changes:
        document.version += 1
        document.updated_by = actor.user_id
        document.updated_at = utcnow()
        await session.flush()
        await repository.replace_links(session, document.id, links)
        await repository.write_search_vector(session, document.id, **_search_text(document))
        await record_revision(
            session,
            actor=actor,
            document=document,
            links=links,
            action="updated",
            changes=changes,
            note=data.note,
        )
        await audit.record(
            session,
            actor=actor,
            action="library.document.updated",
            target=Target("library_document", document.id),
            changes=changes,
            details={"version": document.version, "fields": sorted(changes)},
            authority_ids=_authority_ids(actor, links),
        )
    file = await repository.file_by_id(session, document.file_id) if document.file_id else None
    return await document_read(
        session,
        document,
        links,
        actions=access.actions(editor, document, states),
        states=states,
        file=file,
    )


async def get_document(
    session: AsyncSession, *, actor: Actor, document_id: uuid.UUID
) -> LibraryDocumentRead:
    """One document with its links, its file and what the caller may do to it."""
    document = await access.access_document(session, actor, document_id)
    links = await repository.links_of(session, document.id)
    states = await concerned_states(session, document, links.treaty_ids)
    editor = await access.editor_of(session, actor)
    file = await repository.file_by_id(session, document.file_id) if document.file_id else None
    return await document_read(
        session,
        document,
        links,
        actions=access.actions(editor, document, states),
        states=states,
        file=file,
    )
