"""A document's files: streamed upload (typed by content, size-limited, SHA-256), download.

The body is parsed as it arrives (the cases' push parser) and each piece is hashed and
written to storage at once, so a large file never sits whole in memory. The type is judged
from the content's first bytes (puremagic), never from the name; the library then accepts
only what legal texts come as (documents, spreadsheets, presentations, plain text, images of
scanned pages). Files are not encrypted: they are public legal texts within the network.

An upload is a new version of the document: a new file row (old ones stay, for the
revisions that point to them), the document's current file, a revision and an audit entry.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.cases.storage import BlobStorage, BlobWriter
from app.cases.upload import SNIFF_BYTES, MultipartStream, classify, sanitize_filename
from app.core import audit
from app.core.audit import Target
from app.core.errors import AppError, ValidationFailed
from app.library import access, repository
from app.library.documents import reach_message, record_revision
from app.library.exceptions import FileNotFound, FileTooLarge
from app.library.schemas import LibraryDocumentRead
from app.library.shapes import concerned_states, document_read, snapshot
from app.models.base import utcnow
from app.models.library import LibraryDocument, LibraryFile

# What the library takes, by the type the content shows.
LIBRARY_TYPES = frozenset(
    {
        "application/pdf",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "text/plain",
        "text/markdown",
        "text/csv",
        "image/png",
        "image/jpeg",
        "image/tiff",
    }
)
_NOTE_BYTES = 2000


class NotALibraryType(AppError):
    status, code, title = 415, "unsupported-file-type", "File type not accepted"


def _library_type(head: bytes, filename: str) -> str:
    content_type = classify(head, filename)
    if content_type not in LIBRARY_TYPES:
        raise NotALibraryType(
            f"Files of type {content_type} are not kept in the library: upload the text as "
            "PDF, a word-processing or spreadsheet file, plain text or a scanned image."
        )
    return content_type


@dataclass
class _Upload:
    writer: BlobWriter
    limit: int
    filename: str = "document"
    size: int = 0
    head: bytes = b""
    content_type: str | None = None
    seen_file: bool = False
    digest: Any = field(default_factory=hashlib.sha256)

    async def take(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise FileTooLarge(self.limit)
        self.digest.update(data)
        if self.content_type is None:
            self.head += data[: SNIFF_BYTES - len(self.head)]
            if len(self.head) >= SNIFF_BYTES:
                self.content_type = _library_type(self.head, self.filename)
        await self.writer.write(data)

    async def finish(self) -> None:
        if self.content_type is None:
            self.content_type = _library_type(self.head, self.filename)
        await self.writer.commit()


async def _receive(upload: _Upload, body: AsyncIterable[bytes], content_type: str) -> str | None:
    """Stream the multipart body into storage; the `note` field's text, if any."""
    parser = MultipartStream(content_type)
    note = bytearray()
    current: str | None = None
    async for chunk in body:
        for kind, value in parser.feed(chunk):
            if kind == "begin":
                current = value.name
                if current == "file":
                    if upload.seen_file:
                        raise ValidationFailed("Send one file per request.")
                    upload.seen_file = True
                    upload.filename = sanitize_filename(value.filename)
            elif kind == "data" and current == "file":
                await upload.take(value)
            elif kind == "data" and current == "note" and len(note) < _NOTE_BYTES:
                note += value
            elif kind == "end":
                current = None
    parser.close()
    if not upload.seen_file:
        raise ValidationFailed(
            "No file.", errors=[{"field": "file", "message": "a multipart `file` is required"}]
        )
    if upload.size == 0:
        raise ValidationFailed(errors=[{"field": "file", "message": "the file is empty"}])
    await upload.finish()
    text = note.decode("utf-8", "replace").replace("\x00", "").strip()
    return text[:500] or None


async def _may_upload(session: AsyncSession, actor: Actor, document: LibraryDocument) -> bool:
    links = await repository.links_of(session, document.id)
    states = await concerned_states(session, document, links.treaty_ids)
    editor = await access.editor_of(session, actor)
    return access.may_edit(editor, document.kind, document.state_code, states)


async def upload_file(
    session: AsyncSession,
    *,
    actor: Actor,
    document_id: uuid.UUID,
    body: AsyncIterable[bytes],
    content_type: str,
    storage: BlobStorage,
    limit: int,
) -> LibraryDocumentRead:
    """Stream a multipart `file` (and an optional `note`) in as the document's new version."""
    document = await access.access_document(session, actor, document_id)
    if not await _may_upload(session, actor, document):
        editor = await access.editor_of(session, actor)
        await access.deny(
            session,
            actor,
            reach_message(editor.state_code),
            action="library.file.upload",
            document_id=document.id,
        )
    file_id = uuid.uuid4()
    storage_key = f"{document.id}/{file_id}"
    upload = _Upload(writer=await storage.create(storage_key), limit=limit)
    try:
        note = await _receive(upload, body, content_type)
    except BaseException:
        await upload.writer.abort()
        raise
    try:
        return await _record_upload(
            session,
            actor=actor,
            document_id=document.id,
            upload=upload,
            file_id=file_id,
            storage_key=storage_key,
            note=note,
        )
    except BaseException:
        # Nothing points to the stored file: take it away again.
        await storage.delete(storage_key)
        raise


async def _record_upload(
    session: AsyncSession,
    *,
    actor: Actor,
    document_id: uuid.UUID,
    upload: _Upload,
    file_id: uuid.UUID,
    storage_key: str,
    note: str | None,
) -> LibraryDocumentRead:
    # Locked only now: the upload itself may take minutes and must not hold the row.
    document = await access.access_document(session, actor, document_id, for_update=True)
    links = await repository.links_of(session, document.id)
    states = await concerned_states(session, document, links.treaty_ids)
    editor = await access.editor_of(session, actor)
    if not access.may_edit(editor, document.kind, document.state_code, states):
        # The document changed hands while the file was coming in.
        await access.deny(
            session,
            actor,
            reach_message(editor.state_code),
            action="library.file.upload",
            document_id=document.id,
        )
    assert upload.content_type is not None
    file = LibraryFile(
        id=file_id,
        document_id=document.id,
        filename=upload.filename,
        content_type=upload.content_type,
        size=upload.size,
        sha256=upload.digest.hexdigest(),
        storage_key=storage_key,
        uploaded_by=actor.user_id,
        created_at=utcnow(),
    )
    session.add(file)
    await session.flush()
    before = snapshot(document, links)
    document.file_id = file.id
    document.version += 1
    document.updated_by = actor.user_id
    document.updated_at = utcnow()
    await session.flush()
    changes = audit.diff(before, snapshot(document, links))
    await record_revision(
        session,
        actor=actor,
        document=document,
        links=links,
        action="file",
        changes=changes,
        note=note,
    )
    await audit.record(
        session,
        actor=actor,
        action="library.file.uploaded",
        target=Target("library_document", document.id),
        changes=changes,
        details={
            "version": document.version,
            "file_id": str(file.id),
            "filename": file.filename,
            "size": file.size,
            "sha256": file.sha256,
            "content_type": file.content_type,
        },
        authority_ids=[actor.authority_id, *links.authority_ids],
    )
    return await document_read(
        session,
        document,
        links,
        actions=access.actions(editor, document, states),
        states=states,
        file=file,
    )


@dataclass
class Download:
    file: LibraryFile
    chunks: AsyncIterator[bytes]


async def download_file(
    session: AsyncSession,
    *,
    actor: Actor,
    document_id: uuid.UUID,
    file_id: uuid.UUID | None,
    storage: BlobStorage,
) -> Download:
    """The bytes of the document's current file (`file_id` None) or of one of its versions."""
    document = await access.access_document(session, actor, document_id)
    wanted = file_id if file_id is not None else document.file_id
    file = await repository.file_by_id(session, wanted) if wanted is not None else None
    if file is None or file.document_id != document.id:
        raise FileNotFound()
    return Download(file=file, chunks=storage.read(file.storage_key))
