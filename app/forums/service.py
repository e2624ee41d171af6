"""The forums domain's verbs, and what other domains call (through this module only).

Cross-domain contract: `can_read_thread`, `can_read_forum`, `thread_followers`,
`forum_of_thread`, `search_text`. The verbs live in small modules (posting, editing,
following, read_state, moderation, groups, composing, search) and are re-exported here so
routers and other domains have one place to import from; this module adds the forums' own
verbs and the reads of forums, threads and posts.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.core import audit, idempotency
from app.core.audit import Target
from app.core.errors import ValidationFailed
from app.forums import access, moderation, repository, shapes
from app.forums.composing import mentionable_members, preview_post
from app.forums.editing import delete_post, edit_post, get_post, list_revisions
from app.forums.exceptions import ForumNotFound, ThreadNotFound
from app.forums.following import (
    get_settings,
    list_followed_threads,
    set_forum_following,
    set_thread_following,
    thread_followers,
    update_settings,
)
from app.forums.groups import (
    add_group_member,
    create_group,
    get_group,
    list_group_members,
    list_groups,
    remove_group_member,
)
from app.forums.moderation import flag_post, list_flags, resolve_flag, set_thread_flag
from app.forums.posting import create_post, create_thread, poster_profile
from app.forums.read_state import mark_all_read, mark_thread_read
from app.forums.schemas import (
    Audience,
    ForumCreate,
    ForumRead,
    ForumUpdate,
    PostRead,
    ThreadCreate,
    ThreadCreated,
    ThreadRead,
)
from app.forums.search import search_posts
from app.models.forums import Forum
from app.search.schemas import SearchHit

__all__ = [
    "add_group_member",
    "can_read_forum",
    "can_read_thread",
    "create_forum",
    "create_group",
    "create_post",
    "delete_post",
    "edit_post",
    "flag_post",
    "forum_of_thread",
    "get_forum",
    "get_group",
    "get_post",
    "get_settings",
    "get_thread",
    "hide_post",
    "list_flags",
    "list_followed_threads",
    "list_forums",
    "list_group_members",
    "list_groups",
    "list_posts",
    "list_revisions",
    "list_threads",
    "lock_thread",
    "mark_all_read",
    "mark_thread_read",
    "mentionable_members",
    "move_thread",
    "pin_thread",
    "preview_post",
    "readers_of_thread",
    "remove_group_member",
    "resolve_flag",
    "search_posts",
    "search_text",
    "set_forum_following",
    "set_thread_flag",
    "set_thread_following",
    "start_thread",
    "thread_followers",
    "unhide_post",
    "update_forum",
    "update_settings",
]


async def can_read_forum(session: AsyncSession, actor: Actor, forum_id: uuid.UUID) -> bool:
    """Whether `actor` may read the forum (and so see that it exists)."""
    return await access.can_read_forum(session, actor, forum_id)


async def can_read_thread(session: AsyncSession, actor: Actor, thread_id: uuid.UUID) -> bool:
    """Whether `actor` may read the thread (the audience of its forum)."""
    return await access.can_read_thread(session, actor, thread_id)


async def readers_of_thread(
    session: AsyncSession, thread_id: uuid.UUID, member_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """Those of `member_ids` who may read the thread now (for notifications, in one query)."""
    return await repository.readers_of_thread(session, thread_id, member_ids)


async def forum_of_thread(session: AsyncSession, thread_id: uuid.UUID) -> uuid.UUID | None:
    """The forum a thread is in (no permission check: for event routing)."""
    return await repository.forum_id_of_thread(session, thread_id)


async def search_text(
    session: AsyncSession, *, actor: Actor, q: str, limit: int, **filters: Any
) -> list[SearchHit]:
    """Forum posts matching `q` that `actor` may read (filters: forum_id, author_id, tag,
    since, until)."""
    return await search_posts(session, actor=actor, q=q, limit=limit, **filters)


# -- forums ----------------------------------------------------------------------------------


async def _check_audience(session: AsyncSession, audience: Audience) -> None:
    if audience.kind == "group":
        if audience.group_id is None:
            raise ValidationFailed(
                "A group audience names its group.",
                errors=[{"field": "audience.group_id", "message": "required for kind=group"}],
            )
        if await repository.group_by_id(session, audience.group_id) is None:
            raise ValidationFailed(
                "No such group.",
                errors=[{"field": "audience.group_id", "message": "no such group"}],
            )
    elif audience.group_id is not None:
        raise ValidationFailed(
            "Only a group audience names a group.",
            errors=[{"field": "audience.group_id", "message": "only for kind=group"}],
        )


def _snapshot(forum: Forum) -> dict[str, Any]:
    return {
        "name": forum.name,
        "description": forum.description,
        "audience_kind": forum.audience_kind,
        "group_id": forum.group_id,
        "position": forum.position,
    }


async def _forum_read(session: AsyncSession, actor: Actor, forum: Forum) -> ForumRead:
    """A forum just written, with its audience (one query for a group forum, none else)."""
    if forum.group_id is None:
        audience = shapes.audience_read(forum, None, None, None)
    else:
        row = await repository.group_audience(session, forum.group_id)
        audience = shapes.audience_read(forum, row[0], row[1], row[2])
    return shapes.forum_read(actor, forum, audience=audience)


async def create_forum(session: AsyncSession, *, actor: Actor, data: ForumCreate) -> ForumRead:
    """Create a forum for an audience (admins and moderators)."""
    await _check_audience(session, data.audience)
    forum = Forum(
        name=data.name,
        description=data.description,
        audience_kind=data.audience.kind,
        group_id=data.audience.group_id,
        position=data.position,
        created_by=actor.user_id,
    )
    session.add(forum)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="forum.create",
        target=Target("forum", forum.id),
        changes=audit.diff({}, _snapshot(forum)),
        authority_ids=[actor.authority_id],
    )
    return await _forum_read(session, actor, forum)


async def update_forum(
    session: AsyncSession, *, actor: Actor, forum_id: uuid.UUID, data: ForumUpdate
) -> ForumRead:
    """Rename, describe, reorder or change the audience of a forum."""
    forum = await repository.forum_for_update(session, forum_id)
    if forum is None or not await access.can_read_forum(session, actor, forum_id):
        raise ForumNotFound()
    before = _snapshot(forum)
    if data.audience is not None:
        await _check_audience(session, data.audience)
        forum.audience_kind, forum.group_id = data.audience.kind, data.audience.group_id
    for field in ("name", "description", "position"):
        value = getattr(data, field)
        if value is not None:
            setattr(forum, field, value)
    await session.flush()
    changes = audit.diff(before, _snapshot(forum))
    if changes:
        await audit.record(
            session,
            actor=actor,
            action="forum.update",
            target=Target("forum", forum.id),
            changes=changes,
            authority_ids=[actor.authority_id],
        )
    return await _forum_read(session, actor, forum)


async def list_forums(
    session: AsyncSession, *, actor: Actor, limit: int, cursor: str | None
) -> tuple[list[ForumRead], str | None]:
    """The forums the caller may read, with unread counts (one query)."""
    rows, next_cursor = await repository.forums_page(
        session, actor=actor, limit=limit, cursor=cursor
    )
    return [shapes.forum_read_of_row(actor, r) for r in rows], next_cursor


async def get_forum(session: AsyncSession, *, actor: Actor, forum_id: uuid.UUID) -> ForumRead:
    """One forum the caller may read, with its counts as the list gives them."""
    rows, _ = await repository.forums_page(
        session, actor=actor, limit=1, cursor=None, forum_id=forum_id
    )
    if not rows:
        raise ForumNotFound()
    return shapes.forum_read_of_row(actor, rows[0])


# -- threads ---------------------------------------------------------------------------------


async def start_thread(
    session: AsyncSession,
    *,
    actor: Actor,
    forum_id: uuid.UUID,
    data: ThreadCreate,
    idempotency_key: str | None = None,
) -> ThreadCreated:
    """Start a thread with its first post in a forum the caller may read."""
    found = await access.access_forum(session, actor, forum_id)
    assert actor.user_id is not None
    thread_id = uuid.uuid4()
    if idempotency_key:
        first = await idempotency.claim(
            session,
            user_id=actor.user_id,
            scope="forums.thread",
            key=idempotency_key,
            resource_id=thread_id,
        )
        if first is not None:
            return await _thread_created(session, actor=actor, thread_id=first)
    profile = await poster_profile(session, actor.user_id)
    return await create_thread(
        session,
        actor=actor,
        forum=found.forum,
        title=data.title,
        body=data.body,
        tags=data.tags,
        auto_follow=profile.auto_follow,
        thread_id=thread_id,
        author_name=profile.full_name,
        author_authority=profile.authority_name,
    )


async def _thread_created(
    session: AsyncSession, *, actor: Actor, thread_id: uuid.UUID
) -> ThreadCreated:
    """A thread as first returned on creation (for a retried request)."""
    thread = await get_thread(session, actor=actor, thread_id=thread_id)
    first_post_id = await repository.first_post_id(session, thread_id)
    assert first_post_id is not None
    first_post = await get_post(session, actor=actor, post_id=first_post_id)
    return ThreadCreated(**thread.model_dump(), first_post=first_post)


async def list_threads(
    session: AsyncSession,
    *,
    actor: Actor,
    forum_id: uuid.UUID,
    limit: int,
    cursor: str | None,
    tag: str | None = None,
) -> tuple[list[ThreadRead], str | None]:
    """A readable forum's threads with the caller's unread counts (two queries)."""
    await access.access_forum(session, actor, forum_id)
    rows, next_cursor = await repository.threads_page(
        session, actor=actor, forum_id=forum_id, limit=limit, cursor=cursor, tag=tag
    )
    return [shapes.thread_read(actor, r) for r in rows], next_cursor


async def get_thread(session: AsyncSession, *, actor: Actor, thread_id: uuid.UUID) -> ThreadRead:
    """One readable thread with the caller's unread count and follow state."""
    row = await repository.readable_thread(session, actor=actor, thread_id=thread_id)
    if row is None:
        raise ThreadNotFound()
    return shapes.thread_read(actor, row)


async def list_posts(
    session: AsyncSession,
    *,
    actor: Actor,
    thread_id: uuid.UUID,
    limit: int,
    cursor: str | None,
    from_post_id: uuid.UUID | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """A readable thread's posts in order, with quotes, as PostRead's fields (two queries;
    three when starting from a post)."""
    locked = await access.readable_thread_locked(session, actor, thread_id)
    from_seq = None
    if from_post_id is not None:
        from_seq = await repository.post_seq_in_thread(session, from_post_id, thread_id)
        if from_seq is None:
            raise ValidationFailed(
                "That post is not in this thread.",
                errors=[{"field": "from_post_id", "message": "not a post of this thread"}],
            )
    rows, next_cursor = await repository.posts_page(
        session, thread_id=thread_id, limit=limit, cursor=cursor, from_seq=from_seq
    )
    return shapes.posts_fields_of_rows(actor, rows, thread_locked=locked), next_cursor


# -- moderation, answered with the thread or post as the moderator now sees it ---------------


async def lock_thread(
    session: AsyncSession, *, actor: Actor, thread_id: uuid.UUID, locked: bool, reason: str | None
) -> ThreadRead:
    """Lock a thread (no new posts) or unlock it."""
    await set_thread_flag(
        session, actor=actor, thread_id=thread_id, flag="locked", value=locked, reason=reason
    )
    return await get_thread(session, actor=actor, thread_id=thread_id)


async def pin_thread(
    session: AsyncSession, *, actor: Actor, thread_id: uuid.UUID, pinned: bool, reason: str | None
) -> ThreadRead:
    """Pin a thread to the top of its forum, or unpin it."""
    await set_thread_flag(
        session, actor=actor, thread_id=thread_id, flag="pinned", value=pinned, reason=reason
    )
    return await get_thread(session, actor=actor, thread_id=thread_id)


async def move_thread(
    session: AsyncSession, *, actor: Actor, thread_id: uuid.UUID, forum_id: uuid.UUID, reason: str
) -> ThreadRead:
    """Move a thread to another forum (its audience changes with it)."""
    await moderation.move_thread(
        session, actor=actor, thread_id=thread_id, forum_id=forum_id, reason=reason
    )
    return await get_thread(session, actor=actor, thread_id=thread_id)


async def hide_post(
    session: AsyncSession, *, actor: Actor, post_id: uuid.UUID, reason: str
) -> PostRead:
    """Hide a post from members, with a reason its author is told."""
    post = await moderation.set_post_hidden(
        session, actor=actor, post_id=post_id, hidden=True, reason=reason
    )
    return await get_post(session, actor=actor, post_id=post.id)


async def unhide_post(
    session: AsyncSession, *, actor: Actor, post_id: uuid.UUID, reason: str | None
) -> PostRead:
    """Show a hidden post again."""
    post = await moderation.set_post_hidden(
        session, actor=actor, post_id=post_id, hidden=False, reason=reason
    )
    return await get_post(session, actor=actor, post_id=post.id)
