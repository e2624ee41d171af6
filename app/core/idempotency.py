"""`Idempotency-Key` on creating writes: a retry with the same key returns the first result.

The key row is inserted before the resource, in the same transaction: a concurrent retry
waits on the key's primary key until the first transaction ends, then reads its result; if
the first rolled back, the retry claims the key itself.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Header
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.models.idempotency import IdempotencyKey

MAX_KEY_CHARS = 128

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=MAX_KEY_CHARS,
        description="a retried request with the same key returns the first result",
    ),
]


async def claim(
    session: AsyncSession,
    *,
    user_id: uuid.UUID | None,
    scope: str,
    key: str | None,
    resource_id: uuid.UUID,
) -> uuid.UUID | None:
    """None when this request may create `resource_id`; else the id the first request made."""
    if not key or user_id is None:
        return None
    claimed = await session.scalar(
        pg_insert(IdempotencyKey)
        .values(user_id=user_id, scope=scope, key=key[:MAX_KEY_CHARS], resource_id=resource_id)
        .on_conflict_do_nothing()
        .returning(col(IdempotencyKey.resource_id))
    )
    if claimed is not None:
        return None
    return await session.scalar(
        select(col(IdempotencyKey.resource_id)).where(
            col(IdempotencyKey.user_id) == user_id,
            col(IdempotencyKey.scope) == scope,
            col(IdempotencyKey.key) == key[:MAX_KEY_CHARS],
        )
    )
