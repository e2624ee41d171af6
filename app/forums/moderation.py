"""Moderation: lock, pin, move, hide; the flag queue. Every act is audited with its reason."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from app.auth.actor import Actor
from app.core import audit, events
from app.core.audit import Target
from app.core.errors import Conflict, NotFound
from app.core.events import Audience
from app.core.pagination import Key, apply, decode_cursor, page
from app.forums.access import access_forum, access_post, access_thread
from app.forums.schemas import FlagRead, FlagResolve
from app.forums.views import author
from app.models.base import utcnow
from app.models.forums import Post, PostFlag, Thread
from app.models.identity import User


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
        raise Conflict("The thread is already in that forum.", code="thread-in-forum")
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
        await session.execute(
            sa.update(PostFlag)
            .where(col(PostFlag.post_id) == post.id, col(PostFlag.status) == "open")
            .values(status="actioned", resolved_at=sa.func.now(), resolved_by=actor.user_id)
            .execution_options(synchronize_session=False)
        )
    return post


async def flag_post(
    session: AsyncSession, *, actor: Actor, post_id: uuid.UUID, reason: str
) -> FlagRead:
    """Report a post to the moderators (one open flag per member and post)."""
    access = await access_post(session, actor, post_id)
    open_flag = await session.scalar(
        select(col(PostFlag.id)).where(
            col(PostFlag.post_id) == post_id,
            col(PostFlag.reporter_id) == actor.user_id,
            col(PostFlag.status) == "open",
        )
    )
    if open_flag is not None:
        raise Conflict("You have already flagged this post.", code="already-flagged")
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
    return _flag_read(flag, access.post, access.thread, None, None)


def _flag_read(
    flag: PostFlag, post: Post, thread: Thread, handle: str | None, name: str | None
) -> FlagRead:
    return FlagRead(
        id=flag.id,
        post_id=post.id,
        thread_id=thread.id,
        thread_title=thread.title,
        post_author=author(post.author_id, handle, name),
        post_excerpt=post.body[:280],
        post_hidden=post.hidden_at is not None,
        reporter_id=flag.reporter_id,
        reason=flag.reason,
        status=flag.status,
        created_at=flag.created_at,
        resolved_at=flag.resolved_at,
        resolved_by=flag.resolved_by,
        resolution_note=flag.resolution_note,
    )


async def list_flags(
    session: AsyncSession, *, actor: Actor, status: str, limit: int, cursor: str | None
) -> tuple[list[FlagRead], str | None]:
    """The moderators' queue: flags by status, oldest first (one query)."""
    post_author = aliased(User, name="post_author")
    stmt = (
        sa.select(PostFlag, Post, Thread, col(post_author.handle), col(post_author.full_name))
        .join(Post, col(Post.id) == col(PostFlag.post_id))
        .join(Thread, col(Thread.id) == col(Post.thread_id))
        .outerjoin(post_author, col(post_author.id) == col(Post.author_id))
        .where(col(PostFlag.status) == status)
        .order_by(col(PostFlag.created_at).asc(), col(PostFlag.id).asc())
        .limit(limit + 1)
    )
    stmt = apply(
        stmt,
        (col(PostFlag.created_at), col(PostFlag.id)),
        decode_cursor(cursor, Key.datetime, Key.uuid),
    )
    rows, next_cursor = page(
        (await session.execute(stmt)).all(), limit, key=lambda r: (r[0].created_at, r[0].id)
    )
    return [_flag_read(r[0], r[1], r[2], r[3], r[4]) for r in rows], next_cursor


async def resolve_flag(
    session: AsyncSession, *, actor: Actor, flag_id: uuid.UUID, data: FlagResolve
) -> FlagRead:
    """Close a flag as actioned or dismissed, with a note."""
    flag = await session.get(PostFlag, flag_id, with_for_update=True)
    if flag is None:
        raise NotFound("No such flag.", code="flag-not-found")
    if flag.status != "open":
        raise Conflict("The flag is already resolved.", code="flag-resolved")
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
    return _flag_read(flag, access.post, access.thread, None, None)
