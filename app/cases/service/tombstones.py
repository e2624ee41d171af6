"""Deleting a file: its row becomes a tombstone, its blob goes once that has committed.

The tombstone keeps what proves which file it was (size, SHA-256 of the content, SHA-256 of
the name) and who deleted it, when and why; the name itself and the bytes go. The blob is
removed only after the commit, so a rollback never loses a file; if the process dies between
the commit and the removal, the retention pass removes the blob of any tombstone it finds in
the storage (app/cases/purge.py). A member's deletion and the retention purge share this.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.cases import repository, timeline
from app.cases.access import deny, load_case
from app.cases.exceptions import (
    AttachmentDeleted,
    AttachmentDeletionForbidden,
    AttachmentNotFound,
    UnderLegalHold,
)
from app.cases.retention import may_delete_file
from app.cases.schemas import AttachmentRead
from app.cases.service.attachments import attachment_read_for
from app.cases.service.receipts import record_receipt_if_due
from app.cases.storage import BlobStorage
from app.core import audit, events
from app.core.audit import Target
from app.core.events import Audience
from app.db import on_commit
from app.models.base import utcnow
from app.models.cases import CaseAttachment

log = logging.getLogger(__name__)


def name_digest(filename: str) -> str:
    return hashlib.sha256(filename.encode("utf-8")).hexdigest()


def make_tombstone(
    attachment: CaseAttachment,
    *,
    kind: str,
    reason: str,
    by: uuid.UUID | None,
    at: datetime,
) -> None:
    """Turn the row into its tombstone (in the caller's transaction)."""
    attachment.filename_sha256 = name_digest(attachment.filename)
    attachment.filename = ""
    attachment.deleted_at = at
    attachment.deleted_by = by
    attachment.deletion_kind = kind
    attachment.deletion_reason = reason


def tombstone_details(attachment: CaseAttachment) -> dict[str, object]:
    """What the audit entry of a deletion keeps: no name, no reason (free text)."""
    return {
        "case_id": str(attachment.case_id),
        "kind": attachment.deletion_kind,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "filename_sha256": attachment.filename_sha256,
    }


def remove_blobs_after_commit(
    session: AsyncSession, storage: BlobStorage, keys: Sequence[str]
) -> None:
    """Remove the blobs once the transaction has committed; a failure is left to the sweep."""

    async def remove() -> None:
        for key in keys:
            try:
                await storage.delete(key)
            except Exception:
                log.warning("blob %s of a deleted file stays until the next purge pass", key)

    on_commit(session, remove)


async def delete_attachment(
    session: AsyncSession,
    *,
    actor: Actor,
    case_id: uuid.UUID,
    attachment_id: uuid.UUID,
    reason: str,
    storage: BlobStorage,
) -> AttachmentRead:
    """Delete a file: 403 unless the rules allow the caller, 409 under a legal hold."""
    view = await load_case(session, actor, case_id, for_update=True)
    await record_receipt_if_due(session, actor=actor, view=view)
    attachment = await repository.attachment_by_id(session, attachment_id)
    if attachment is None or attachment.case_id != case_id:
        raise AttachmentNotFound()
    if attachment.deleted_at is not None:
        raise AttachmentDeleted(attachment.deletion_kind or "deleted")
    if not may_delete_file(view, attachment, actor.user_id):
        await deny(session, actor, AttachmentDeletionForbidden(), case_id=case_id)
    case = view.case
    if case.legal_hold_set_at is not None:
        raise UnderLegalHold()
    now = utcnow()
    make_tombstone(attachment, kind="deleted", reason=reason, by=actor.user_id, at=now)
    case.last_activity_at = now
    timeline.add_entry(
        session,
        case,
        kind="attachment_deleted",
        actor=actor,
        note=reason,
        data={
            "attachment_id": str(attachment.id),
            "size": attachment.size,
            "sha256": attachment.sha256,
            "filename_sha256": attachment.filename_sha256,
        },
        at=now,
    )
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="case.attachment.deleted",
        target=Target("case_attachment", attachment.id),
        details=tombstone_details(attachment),
        authority_ids=view.authority_ids,
    )
    await events.publish(
        session,
        "case.attachment.deleted",
        {"case_id": case_id, "attachment_id": attachment.id},
        audience=Audience.of("case", case_id),
    )
    remove_blobs_after_commit(session, storage, [attachment.storage_key])
    return attachment_read_for(view, attachment, actor)
