"""Attachments: streamed upload, encrypted at rest, downloaded only as attachments.

The blob is stored before the row: should the transaction then roll back, the blob is
removed again (`on_rollback`); should the process die in between, the retention pass finds
a blob without a row and removes it a day later (app/cases/purge.py). A deleted or purged
file lists as its tombstone and answers 410 (service/tombstones.py).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.cases import repository
from app.cases.access import CaseView, load_case
from app.cases.crypto import StreamDecryptor, StreamEncryptor, Vault, file_key, new_data_key
from app.cases.exceptions import AttachmentDeleted, AttachmentNotFound, AttachmentTooLarge
from app.cases.retention import attachment_actions
from app.cases.schemas import AttachmentRead, AttachmentTombstone
from app.cases.service.receipts import record_receipt_if_due
from app.cases.storage import BlobStorage, BlobWriter
from app.cases.upload import SNIFF_BYTES, MultipartStream, classify, sanitize_filename
from app.core import audit, events, idempotency
from app.core.audit import Target
from app.core.errors import ValidationFailed
from app.core.events import Audience
from app.db import on_rollback
from app.models.base import utcnow
from app.models.cases import CaseAttachment

_HANDLING = {"H0", "H1", "H2", "H3"}


async def case_data_key(session: AsyncSession, vault: Vault, case_id: uuid.UUID) -> bytes:
    """The case's data key, created and wrapped on first use (race-free)."""
    row = await repository.data_key_of_case(session, case_id)
    if row is None:
        candidate = new_data_key()
        await repository.insert_data_key_if_absent(
            session,
            {
                "case_id": case_id,
                "wrapped_key": vault.wrap(candidate, case_id),
                "master_key_id": vault.master_id,
                "created_at": utcnow(),
            },
        )
        # Another upload may have stored its key first: read back the one that won.
        row = await repository.data_key_of_case(session, case_id, reload=True)
        assert row is not None
    return vault.unwrap(row.wrapped_key, case_id, row.master_key_id)


def attachment_read(attachment: CaseAttachment, actions: list[str] | None = None) -> AttachmentRead:
    read = AttachmentRead.model_validate(attachment, from_attributes=True)
    read.allowed_actions = actions or []  # type: ignore[assignment]
    if attachment.deleted_at is not None:
        read.deleted = AttachmentTombstone(
            kind=attachment.deletion_kind or "deleted",
            deleted_at=attachment.deleted_at,
            deleted_by=attachment.deleted_by,
            reason=attachment.deletion_reason or "",
            filename_sha256=attachment.filename_sha256 or "",
        )
    return read


def attachment_read_for(view: CaseView, attachment: CaseAttachment, actor: Actor) -> AttachmentRead:
    """The file as the viewer sees it, with what they may do to it."""
    return attachment_read(attachment, attachment_actions(view, attachment, actor.user_id))


@dataclass
class _Upload:
    writer: BlobWriter
    encryptor: StreamEncryptor
    limit: int
    filename: str = "attachment"
    size: int = 0
    head: bytes = b""
    content_type: str | None = None
    seen_file: bool = False

    def __post_init__(self) -> None:
        self.digest = hashlib.sha256()

    async def take(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise AttachmentTooLarge(self.limit)
        self.digest.update(data)
        if self.content_type is None:
            self.head += data[: SNIFF_BYTES - len(self.head)]
            if len(self.head) >= SNIFF_BYTES:
                self.content_type = classify(self.head, self.filename)
        await self.writer.write(self.encryptor.update(data))

    async def finish(self) -> None:
        if self.content_type is None:
            self.content_type = classify(self.head, self.filename)
        await self.writer.write(self.encryptor.finish())
        await self.writer.commit()


async def upload_attachment(
    session: AsyncSession,
    *,
    actor: Actor,
    case_id: uuid.UUID,
    body: AsyncIterable[bytes],
    content_type: str,
    vault: Vault,
    storage: BlobStorage,
    limit: int,
    idempotency_key: str | None = None,
) -> AttachmentRead:
    """Stream a multipart `file` into encrypted storage; record its name, size and SHA-256."""
    view = await load_case(session, actor, case_id)
    await record_receipt_if_due(session, actor=actor, view=view)
    attachment_id = uuid.uuid4()
    # Claimed before a byte is stored: a retry of an upload that committed answers the first
    # file and reads nothing; one racing an upload still under way waits for it to end.
    first = await idempotency.claim(
        session,
        user_id=actor.user_id,
        scope=f"cases.attachment:{case_id}",
        key=idempotency_key,
        resource_id=attachment_id,
    )
    if first is not None:
        return await _existing_attachment(session, view, first, actor)
    parser = MultipartStream(content_type)
    data_key = await case_data_key(session, vault, case_id)
    storage_key = f"{case_id}/{attachment_id}"
    upload = _Upload(
        writer=await storage.create(storage_key),
        encryptor=StreamEncryptor(file_key(data_key, attachment_id)),
        limit=limit,
    )
    handling = bytearray()
    current: str | None = None
    try:
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
                elif kind == "data" and current == "handling_code" and len(handling) < 8:
                    handling += value
                elif kind == "end":
                    current = None
        parser.close()
        if not upload.seen_file:
            raise ValidationFailed(
                "No file.", errors=[{"field": "file", "message": "a multipart `file` is required"}]
            )
        code = handling.decode("ascii", "replace").strip() or None
        if code is not None and code not in _HANDLING:
            raise ValidationFailed(
                errors=[{"field": "handling_code", "message": "one of H0, H1, H2, H3"}]
            )
        await upload.finish()
    except BaseException:
        await upload.writer.abort()
        raise
    # Stored: from here a rollback must take the blob away again (nothing will point to it).
    on_rollback(session, lambda: storage.delete(storage_key))
    assert upload.content_type is not None
    attachment = CaseAttachment(
        id=attachment_id,
        case_id=case_id,
        uploaded_by=actor.user_id,
        filename=upload.filename,
        content_type=upload.content_type,
        size=upload.size,
        sha256=upload.digest.hexdigest(),
        storage_key=storage_key,
        handling_code=code,
        created_at=utcnow(),
        side=view.side,
    )
    session.add(attachment)
    await audit.record(
        session,
        actor=actor,
        action="case.attachment.created",
        target=Target("case_attachment", attachment.id),
        # No filename: it is case content ("statement of J. Doe.pdf"); the digest identifies it.
        details={
            "case_id": str(case_id),
            "size": attachment.size,
            "sha256": attachment.sha256,
            "content_type": attachment.content_type,
        },
        authority_ids=view.authority_ids,
    )
    await events.publish(
        session,
        "case.attachment.created",
        {"case_id": case_id, "attachment_id": attachment.id},
        audience=Audience.of("case", case_id),
    )
    return attachment_read_for(view, attachment, actor)


async def _existing_attachment(
    session: AsyncSession, view: CaseView, attachment_id: uuid.UUID, actor: Actor
) -> AttachmentRead:
    attachment = await repository.attachment_by_id(session, attachment_id)
    if attachment is None or attachment.case_id != view.case.id:
        raise AttachmentNotFound()
    return attachment_read_for(view, attachment, actor)


async def list_attachments(
    session: AsyncSession, *, actor: Actor, view: CaseView
) -> list[AttachmentRead]:
    """The case's files (metadata and digests), oldest first; deleted ones as tombstones."""
    case_id = view.case.id
    items = [
        attachment_read_for(view, a, actor)
        for a in await repository.attachments_of_case(session, case_id)
    ]
    await audit.record(
        session,
        actor=actor,
        action="case.attachments.viewed",
        target=Target("case", case_id),
        details={"count": len(items)},
        authority_ids=view.authority_ids,
    )
    return items


async def all_attachments(session: AsyncSession, case_id: uuid.UUID) -> list[AttachmentRead]:
    return [attachment_read(a) for a in await repository.attachments_of_case(session, case_id)]


@dataclass
class Download:
    attachment: AttachmentRead
    chunks: AsyncIterator[bytes]


async def download_attachment(
    session: AsyncSession,
    *,
    actor: Actor,
    view: CaseView,
    attachment_id: uuid.UUID,
    vault: Vault,
    storage: BlobStorage,
) -> Download:
    """The decrypted bytes as a stream (audited as case.attachment.downloaded)."""
    case_id = view.case.id
    attachment = await repository.attachment_by_id(session, attachment_id)
    if attachment is None or attachment.case_id != case_id:
        raise AttachmentNotFound()
    if attachment.deleted_at is not None:
        raise AttachmentDeleted(attachment.deletion_kind or "deleted")
    key = file_key(await case_data_key(session, vault, case_id), attachment.id)
    await audit.record(
        session,
        actor=actor,
        action="case.attachment.downloaded",
        target=Target("case_attachment", attachment.id),
        details={"case_id": str(case_id), "sha256": attachment.sha256},
        authority_ids=view.authority_ids,
    )
    return Download(attachment_read(attachment), _decrypted(storage, attachment.storage_key, key))


async def _decrypted(storage: BlobStorage, storage_key: str, key: bytes) -> AsyncIterator[bytes]:
    decryptor = StreamDecryptor(key)
    async for chunk in storage.read(storage_key):
        plain = decryptor.update(chunk)
        if plain:
            yield plain
    tail = decryptor.finish()
    if tail:
        yield tail
