"""Idempotency-Key for creating writes: a retry with the same key gets the first result."""

from __future__ import annotations

import uuid

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.models.forums import ForumIdempotencyKey

MAX_KEY_CHARS = 128


async def claim(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    scope: str,
    key: str,
    resource_id: uuid.UUID,
) -> uuid.UUID | None:
    """None if the key is new (go ahead and create `resource_id`), else the first result's id.

    A concurrent duplicate waits on the key's unique index until the first commits, then
    finds its result; if the first rolled back, the duplicate claims the key itself.
    """
    claimed = await session.scalar(
        pg_insert(ForumIdempotencyKey)
        .values(user_id=user_id, scope=scope, key=key[:MAX_KEY_CHARS], resource_id=resource_id)
        .on_conflict_do_nothing()
        .returning(col(ForumIdempotencyKey.resource_id))
    )
    if claimed is not None:
        return None
    return await session.scalar(
        select(col(ForumIdempotencyKey.resource_id)).where(
            col(ForumIdempotencyKey.user_id) == user_id,
            col(ForumIdempotencyKey.scope) == scope,
            col(ForumIdempotencyKey.key) == key[:MAX_KEY_CHARS],
        )
    )
