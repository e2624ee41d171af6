"""Moderation: lock, pin, move, hide; the flag queue. Every act is audited with its reason."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.core import audit, events
from app.core.audit import Target
from app.core.events import Audience
from app.forums import repository
from app.forums.access import access_forum, access_post, access_thread
from app.forums.exceptions import AlreadyFlagged, FlagNotFound, FlagResolved, ThreadAlreadyInForum
from app.forums.schemas import FlagRead, FlagResolve
from app.forums.shapes import flag_read
from app.models.base import utcnow
from app.models.forums import Post, PostFlag, Thread


async def _record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    target: Target,
    *,
    reason: str | None,
    changes: dict[str, Any] | None = None,
    **details: Any,
) -> None:
    await audit.record(
        session,
        actor=actor,
        action=action,
        target=target,
        changes=changes,
        details={"reason": reason, **details},
        authority_ids=[actor.authority_id],
    )


async def set_thread_flag(
    session: AsyncSession,
    *,
    actor: Actor,
    thread_id: uuid.UUID,
    flag: str,
    value: bool,
    reason: str | None,
) -> Thread:
    """Lock/unlock or pin/unpin a thread (a no-op if it is already so)."""
    assert flag in ("locked", "pinned")
    access = await access_thread(session, actor, thread_id)
    thread = access.thread
    before = getattr(thread, flag)
    if before == value:
        return thread
    setattr(thread, flag, value)
    await session.flush()
    verb = {("locked", True): "lock", ("locked", False): "unlock"}.get(
        (flag, value), "pin" if value else "unpin"
    )
    await _record(
        session,
        actor,
        f"forum.thread.{verb}",
        Target("thread", thread.id),
        reason=reason,
        changes=audit.diff({flag: before}, {flag: value}),
        forum_id=thread.forum_id,
    )
    if flag == "locked":
        await events.publish(
            session,
            "thread.locked",
            {"forum_id": thread.forum_id, "thread_id": thread.id, "locked": value},
            audience=Audience.of("thread", thread.id),
        )
    return thread


async def move_thread(
    session: AsyncSession,
    *,
    actor: Actor,
    thread_id: uuid.UUID,
    forum_id: uuid.UUID,
    reason: str,
) -> Thread:
    """Move a thread to another forum (its audience changes with it)."""
    access = await access_thread(session, actor, thread_id)
    target = await access_forum(session, actor, forum_id)
    thread = access.thread
    if thread.forum_id == target.forum.id:
        raise ThreadAlreadyInForum()
    before = thread.forum_id
    thread.forum_id = target.forum.id
    await session.flush()
    await _record(
        session,
        actor,
        "forum.thread.move",
        Target("thread", thread.id),
        reason=reason,
        changes=audit.diff({"forum_id": before}, {"forum_id": thread.forum_id}),
    )
    return thread


async def set_post_hidden(
    session: AsyncSession,
    *,
    actor: Actor,
    post_id: uuid.UUID,
    hidden: bool,
    reason: str | None,
) -> Post:
    """Hide a post from members (with a reason its author is told) or show it again."""
    access = await access_post(session, actor, post_id, for_update=True)
    post = access.post
    if (post.hidden_at is not None) == hidden:
        return post
    if hidden:
        post.hidden_at, post.hidden_by, post.hidden_reason = utcnow(), actor.user_id, reason
    else:
        post.hidden_at, post.hidden_by, post.hidden_reason = None, None, None
    await session.flush()
    await _record(
        session,
        actor,
        "forum.post.hide" if hidden else "forum.post.unhide",
        Target("post", post.id),
        reason=reason,
        changes=audit.diff({"hidden": not hidden}, {"hidden": hidden}),
        thread_id=post.thread_id,
        author_id=post.author_id,
    )
    ids = {"forum_id": access.forum.id, "thread_id": post.thread_id, "post_id": post.id}
    name = "post.hidden" if hidden else "post.updated"
    await events.publish(session, name, ids, audience=Audience.of("thread", post.thread_id))
    if post.author_id is not None:
        # The author is told; they read the reason on the post itself (events carry ids only).
        await events.publish(
            session, name, ids | {"hidden": hidden}, audience=Audience.of("user", post.author_id)
        )
    if hidden:
        # Hiding a flagged post settles the open flags on it.
        await repository.action_open_flags(session, post_id=post.id, resolved_by=actor.user_id)
    return post


async def flag_post(
    session: AsyncSession, *, actor: Actor, post_id: uuid.UUID, reason: str
) -> FlagRead:
    """Report a post to the moderators (one open flag per member and post)."""
    access = await access_post(session, actor, post_id)
    open_flag = await repository.open_flag_id(session, post_id=post_id, reporter_id=actor.user_id)
    if open_flag is not None:
        raise AlreadyFlagged()
    flag = PostFlag(post_id=post_id, reporter_id=actor.user_id, reason=reason)
    session.add(flag)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="forum.post.flag",
        target=Target("post", post_id),
        details={"flag_id": flag.id, "thread_id": access.thread.id, "reason": reason},
        authority_ids=[actor.authority_id],
    )
    # flagged_by_id lets the notification skip a moderator who flagged the post themself.
    await events.publish(
        session,
        "post.flagged",
        {
            "post_id": post_id,
            "thread_id": access.thread.id,
            "flag_id": flag.id,
            "flagged_by_id": actor.user_id,
        },
        audience=Audience.of("moderators"),
    )
    return flag_read(flag, access.post, access.thread, None, None)


async def list_flags(
    session: AsyncSession, *, actor: Actor, status: str, limit: int, cursor: str | None
) -> tuple[list[FlagRead], str | None]:
    """The moderators' queue: flags by status, oldest first (one query)."""
    rows, next_cursor = await repository.flags_page(
        session, status=status, limit=limit, cursor=cursor
    )
    return [flag_read(r[0], r[1], r[2], r[3], r[4]) for r in rows], next_cursor


async def resolve_flag(
    session: AsyncSession, *, actor: Actor, flag_id: uuid.UUID, data: FlagResolve
) -> FlagRead:
    """Close a flag as actioned or dismissed, with a note."""
    flag = await repository.flag_for_update(session, flag_id)
    if flag is None:
        raise FlagNotFound()
    if flag.status != "open":
        raise FlagResolved()
    access = await access_post(session, actor, flag.post_id)
    flag.status = data.resolution
    flag.resolved_at = utcnow()
    flag.resolved_by = actor.user_id
    flag.resolution_note = data.note
    await session.flush()
    await _record(
        session,
        actor,
        "forum.flag.resolve",
        Target("post_flag", flag.id),
        reason=data.note,
        changes=audit.diff({"status": "open"}, {"status": flag.status}),
        post_id=flag.post_id,
    )
    return flag_read(flag, access.post, access.thread, None, None)
