"""Read state: how far a member has read each thread ("mark read", "mark all read").

Per-member bookkeeping, not a content change: not audited, and no event (nobody else needs
to hear that a member read a thread).
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.core.errors import ValidationFailed
from app.forums import repository
from app.forums.access import access_forum, ensure_thread_readable
from app.forums.schemas import ReadState


async def mark_thread_read(
    session: AsyncSession, *, actor: Actor, thread_id: uuid.UUID, last_read_post_id: uuid.UUID
) -> ReadState:
    """Record that the member has read the thread up to (and including) a post."""
    await ensure_thread_readable(session, actor, thread_id)
    seq = await repository.post_seq_in_thread(session, last_read_post_id, thread_id)
    if seq is None:
        raise ValidationFailed(
            "That post is not in this thread.",
            errors=[{"field": "last_read_post_id", "message": "not a post of this thread"}],
        )
    await repository.advance_read_marker(
        session, user_id=actor.user_id, thread_id=thread_id, seq=seq
    )
    unread = await repository.unread_count(session, user_id=actor.user_id, thread_id=thread_id)
    return ReadState(thread_id=thread_id, unread_count=unread)


async def mark_all_read(
    session: AsyncSession, *, actor: Actor, forum_id: uuid.UUID | None = None
) -> int:
    """Mark every thread read (of one forum, or of every forum the member may read)."""
    if forum_id is not None:
        await access_forum(session, actor, forum_id)
    return await repository.mark_threads_read(session, actor=actor, forum_id=forum_id)
