"""Revisions: every change to a directory entry, with its field-level diff."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.core.pagination import Key, Page, decode_cursor, page
from app.directory import access, repository
from app.directory.exceptions import SheetNotFound
from app.directory.schemas import DirectoryRevisionRead, PersonRef
from app.models.directory import DirectoryRevision


async def record_revision(
    session: AsyncSession,
    *,
    actor: Actor,
    target_type: str,
    target_id: uuid.UUID,
    action: str,
    changes: dict[str, Any],
) -> DirectoryRevision:
    revision = DirectoryRevision(
        target_type=target_type,
        target_id=target_id,
        action=action,
        actor_user_id=actor.user_id,
        changes=changes,
    )
    session.add(revision)
    return revision


async def list_revisions(
    session: AsyncSession,
    *,
    actor: Actor,
    target_type: str,
    target_id: uuid.UUID,
    cursor: str | None,
    limit: int,
) -> Page[DirectoryRevisionRead]:
    """Changes to an authority, a requirement sheet or a treaty, newest first, with the name
    of who made each change (one query after the access check)."""
    before = decode_cursor(cursor, Key.int)
    if target_type == "authority":
        await access.access_authority(session, actor, target_id)
    elif target_type == "treaty":
        await access.access_treaty(session, actor, target_id)
    elif not access.can_read(actor) or await repository.sheet_by_id(session, target_id) is None:
        raise SheetNotFound()
    rows = await repository.revisions_of(
        session,
        target_type=target_type,
        target_id=target_id,
        before_id=before[0] if before else None,
        limit=limit + 1,
    )
    items, next_cursor = page([_revision_read(*row) for row in rows], limit, key=lambda r: (r.id,))
    return Page(items=items, next_cursor=next_cursor)


def _revision_read(
    revision: DirectoryRevision, user_id: uuid.UUID | None, full_name: str | None
) -> DirectoryRevisionRead:
    assert revision.id is not None
    return DirectoryRevisionRead(
        id=revision.id,
        action=revision.action,
        actor=PersonRef(id=user_id, full_name=full_name) if user_id else None,
        created_at=revision.created_at,
        changes=revision.changes,
    )
