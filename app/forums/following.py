"""Following: threads and forums a member follows, the auto-follow setting, the threads they
follow across forums, and who follows a thread (for the notifications of its posts).

Following is per-member bookkeeping, not a content change: it is not audited and publishes no
event. It is kept apart from access: a member who followed a thread and then lost access to
its forum (left a group, moved authority) still has the follow row, so the listing and the
followers filter by what the member may read now, in the query, like every other list.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.forums import repository, shapes
from app.forums.access import access_forum, ensure_thread_readable
from app.forums.schemas import FollowedThreadRead, ForumSettings


async def set_thread_following(
    session: AsyncSession, *, actor: Actor, thread_id: uuid.UUID, following: bool
) -> bool:
    """Follow or unfollow a thread; an explicit unfollow also overrides following its forum."""
    await ensure_thread_readable(session, actor, thread_id)
    await repository.save_thread_following(
        session, user_id=actor.user_id, thread_id=thread_id, following=following
    )
    return following


async def set_forum_following(
    session: AsyncSession, *, actor: Actor, forum_id: uuid.UUID, following: bool
) -> bool:
    """Follow or unfollow every thread of a forum (new threads included)."""
    await access_forum(session, actor, forum_id)
    if following:
        await repository.add_forum_follow(session, user_id=actor.user_id, forum_id=forum_id)
    else:
        await repository.delete_forum_follow(session, user_id=actor.user_id, forum_id=forum_id)
    return following


async def list_followed_threads(
    session: AsyncSession, *, actor: Actor, limit: int, cursor: str | None
) -> tuple[list[FollowedThreadRead], str | None]:
    """Threads I follow and may still read: those with unread posts first, then by latest
    activity; each with its unread count."""
    rows, next_cursor = await repository.followed_threads_page(
        session, actor=actor, limit=limit, cursor=cursor
    )
    return [shapes.followed_thread_read(row) for row in rows], next_cursor


async def get_settings(session: AsyncSession, *, actor: Actor) -> ForumSettings:
    """The member's forum settings (defaults if never set)."""
    value = await repository.auto_follow_setting(session, actor.user_id)
    return ForumSettings(auto_follow=value is not False)


async def update_settings(
    session: AsyncSession, *, actor: Actor, data: ForumSettings
) -> ForumSettings:
    """Change the member's forum settings."""
    await repository.save_auto_follow(session, user_id=actor.user_id, auto_follow=data.auto_follow)
    return data


async def thread_followers(session: AsyncSession, thread_id: uuid.UUID) -> list[uuid.UUID]:
    """Members following a thread (explicitly, or through its forum unless they opted out)
    who may still read it. Two queries whatever the number of followers."""
    forum = await repository.forum_of_thread(session, thread_id)
    if forum is None:
        return []
    return await repository.follower_ids_reading_forum(session, thread_id=thread_id, forum=forum)
