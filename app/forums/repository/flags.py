"""Flags: members' reports of posts, the moderators' queue."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.core.pagination import Key, apply, decode_cursor, page
from app.identity import service as identity_service
from app.models.forums import Post, PostFlag, Thread

_POST_AUTHOR = identity_service.member_rows("post_author")


async def open_flag_id(
    session: AsyncSession, *, post_id: uuid.UUID, reporter_id: uuid.UUID | None
) -> uuid.UUID | None:
    """The reporter's open flag on the post, if any."""
    return await session.scalar(
        select(col(PostFlag.id)).where(
            col(PostFlag.post_id) == post_id,
            col(PostFlag.reporter_id) == reporter_id,
            col(PostFlag.status) == "open",
        )
    )


async def flag_for_update(session: AsyncSession, flag_id: uuid.UUID) -> PostFlag | None:
    """The flag, its row locked."""
    return await session.get(PostFlag, flag_id, with_for_update=True)


async def action_open_flags(
    session: AsyncSession, *, post_id: uuid.UUID, resolved_by: uuid.UUID | None
) -> None:
    """Close the open flags on a post as actioned (hiding it settles them)."""
    await session.execute(
        sa.update(PostFlag)
        .where(col(PostFlag.post_id) == post_id, col(PostFlag.status) == "open")
        .values(status="actioned", resolved_at=sa.func.now(), resolved_by=resolved_by)
        .execution_options(synchronize_session=False)
    )


async def flags_page(
    session: AsyncSession, *, status: str, limit: int, cursor: str | None
) -> tuple[list[Any], str | None]:
    """Rows (PostFlag, Post, Thread, post author's handle, post author's name) of the flags
    with `status`, oldest first (one query)."""
    stmt = (
        sa.select(PostFlag, Post, Thread, _POST_AUTHOR.c.handle, _POST_AUTHOR.c.full_name)
        .join(Post, col(Post.id) == col(PostFlag.post_id))
        .join(Thread, col(Thread.id) == col(Post.thread_id))
        .outerjoin(_POST_AUTHOR, _POST_AUTHOR.c.id == col(Post.author_id))
        .where(col(PostFlag.status) == status)
        .order_by(col(PostFlag.created_at).asc(), col(PostFlag.id).asc())
        .limit(limit + 1)
    )
    stmt = apply(
        stmt,
        (col(PostFlag.created_at), col(PostFlag.id)),
        decode_cursor(cursor, Key.datetime, Key.uuid),
    )
    return page(
        (await session.execute(stmt)).all(), limit, key=lambda r: (r[0].created_at, r[0].id)
    )
