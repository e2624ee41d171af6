"""Help while writing a post: its preview, and the members one may mention with `@handle`.

Neither writes anything nor is audited: a preview is the renderer run on the text the member
is typing, and the mention list names only members who may read the forum (the same members
a mention in that forum would notify), which the member could learn by reading it.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.forums import repository
from app.forums.access import access_forum
from app.forums.posting import render_post
from app.forums.schemas import Mentionable, RenderedBody

MAX_MENTIONABLE = 20


async def preview_post(
    session: AsyncSession, *, actor: Actor, forum_id: uuid.UUID, body: str
) -> RenderedBody:
    """A post's HTML as it would be written in a forum the caller may read; nothing is kept."""
    found = await access_forum(session, actor, forum_id)
    body_html, _ = await render_post(session, actor=actor, forum=found.forum, body=body)
    return RenderedBody(body_html=body_html)


def _like_prefix(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


async def mentionable_members(
    session: AsyncSession, *, actor: Actor, forum_id: uuid.UUID, prefix: str, limit: int
) -> list[Mentionable]:
    """Members who may read the forum whose handle or name starts with `prefix` (one query
    after the access check), the caller excepted."""
    found = await access_forum(session, actor, forum_id)
    pattern = _like_prefix(prefix.strip().lstrip("@").lower())
    rows = await repository.mentionable_members(
        session,
        forum=found.forum,
        pattern=pattern,
        excluding=actor.user_id,
        limit=min(limit, MAX_MENTIONABLE),
    )
    return [
        Mentionable(handle=handle, full_name=name, authority_name=authority)
        for handle, name, authority in rows
    ]
