"""Writing: start a thread, post a reply (edits and deletions are in editing.py).

The reply path is the hot one: three statements whatever the thread's size or number of
followers (the actor comes from the worker's cache): one access query of columns, one INSERT
(a CTE that also writes the author's auto-follow and read marker and bumps the thread's
counters), and the journal's audit entry and event (app/core/journal.py); the last two on
the driver (app.db.transactional). Nothing fans out per follower here;
notifications are derived from the event after commit. The thread's row is updated in the
last statement before the journal's, so its row lock (which serialises replies to one thread)
is held for one round trip and the commit, and the `NOT locked` guard in that UPDATE closes
the race with a moderator locking the thread.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.core import audit, events, idempotency
from app.core.audit import Target
from app.core.errors import ValidationFailed
from app.core.events import Audience
from app.core.markdown import render_markdown
from app.forums import repository, rules
from app.forums.access import access_reply
from app.forums.editing import get_post
from app.forums.exceptions import ThreadLocked
from app.forums.mentions import extract_handles, highlight_mentions, resolve_mentions
from app.forums.repository import ForumAudience
from app.forums.schemas import PostRead, ThreadCreated
from app.forums.shapes import author
from app.forums.vectors import plain_text
from app.models.base import utcnow
from app.models.forums import Forum, Thread


@dataclass(frozen=True, slots=True)
class WrittenPost:
    read: PostRead
    seq: int


@dataclass(frozen=True, slots=True)
class Place:
    """Where a post is written: its thread and forum, as columns (a new thread's rows and a
    reply's access check give the same)."""

    thread_id: uuid.UUID
    title: str
    locked: bool
    forum_id: uuid.UUID
    audience: ForumAudience


async def _write_post(
    session: AsyncSession,
    *,
    actor: Actor,
    place: Place,
    body: str,
    reply_to_post_id: uuid.UUID | None,
    auto_follow: bool,
    action: str,
    post_id: uuid.UUID | None = None,
    author_name: str | None = None,
    author_authority: str | None = None,
    bump_thread: bool = False,
) -> WrittenPost:
    assert actor.user_id is not None
    body_html, mentioned = await render_post(session, actor=actor, forum=place.audience, body=body)
    body_text = plain_text(body_html)
    post_id = post_id or uuid.uuid4()
    row = await repository.insert_post(
        session,
        post_id=post_id,
        thread_id=place.thread_id,
        author_id=actor.user_id,
        reply_to=reply_to_post_id,
        body=body,
        body_html=body_html,
        body_text=body_text,
        title=place.title,
        mentions=list(mentioned.values()),
        follow=auto_follow,
        bump=bump_thread,
    )
    seq: int = row[0]
    created_at: datetime = row[1]
    if bump_thread and not row[2]:
        # A moderator locked the thread after we read it: the insert rolls back with the 409.
        raise ThreadLocked()
    await audit.record(
        session,
        actor=actor,
        action=action,
        target=Target("post", post_id),
        details={
            "thread_id": place.thread_id,
            "forum_id": place.forum_id,
            "reply_to_post_id": reply_to_post_id,
            "mentioned_user_ids": list(mentioned.values()),
        },
        authority_ids=[actor.authority_id],
    )
    ids = {"forum_id": place.forum_id, "thread_id": place.thread_id, "post_id": post_id}
    if action == "forum.post.create":
        await events.publish(
            session, "post.created", ids, audience=Audience.of("thread", place.thread_id)
        )
    for user_id in mentioned.values():
        await events.publish(
            session, "post.created", ids | {"mention": True}, audience=Audience.of("user", user_id)
        )
    read = PostRead(
        id=post_id,
        thread_id=place.thread_id,
        author=author(actor.user_id, actor.handle, author_name, author_authority),
        body=body,
        body_html=body_html,
        reply_to_post_id=reply_to_post_id,
        mentions=list(mentioned.values()),
        version=1,
        created_at=created_at,
        edited_at=None,
        deleted=False,
        hidden=False,
        allowed_actions=rules.post_actions(
            actor,
            author_id=actor.user_id,
            hidden=False,
            deleted=False,
            thread_locked=place.locked,
            content_visible=True,
        ),
    )
    return WrittenPost(read=read, seq=seq)


async def render_post(
    session: AsyncSession, *, actor: Actor, forum: ForumAudience, body: str
) -> tuple[str, dict[str, uuid.UUID]]:
    """A post's sanitised HTML as it would be written in `forum`, with the members it
    mentions (those who may read the forum, never the author)."""
    mentioned = await resolve_mentions(session, extract_handles(body), forum)
    mentioned.pop((actor.handle or "").lower(), None)
    return highlight_mentions(render_markdown(body), mentioned), mentioned


async def _check_reply_target(
    session: AsyncSession, thread_id: uuid.UUID, reply_to_post_id: uuid.UUID
) -> None:
    if await repository.post_seq_in_thread(session, reply_to_post_id, thread_id) is None:
        raise ValidationFailed(
            "The post replied to is not in this thread.",
            errors=[{"field": "reply_to_post_id", "message": "not a post of this thread"}],
        )


async def create_post(
    session: AsyncSession,
    *,
    actor: Actor,
    thread_id: uuid.UUID,
    body: str,
    reply_to_post_id: uuid.UUID | None = None,
    idempotency_key: str | None = None,
) -> PostRead:
    """Reply in a thread (409 if it is locked); mentioned members are told by an event."""
    access = await access_reply(session, actor, thread_id)
    post_id = uuid.uuid4()
    if idempotency_key and actor.user_id is not None:
        first = await idempotency.claim(
            session,
            user_id=actor.user_id,
            scope="forums.post",
            key=idempotency_key,
            resource_id=post_id,
        )
        if first is not None:
            return await get_post(session, actor=actor, post_id=first)
    refusal = rules.reply_refusal(actor, thread_locked=access.locked)
    if refusal is not None:
        raise refusal()
    if reply_to_post_id is not None:
        await _check_reply_target(session, thread_id, reply_to_post_id)
    place = Place(thread_id, access.title, access.locked, access.forum_id, access)
    written = await _write_post(
        session,
        actor=actor,
        place=place,
        body=body,
        reply_to_post_id=reply_to_post_id,
        auto_follow=access.auto_follow,
        action="forum.post.create",
        post_id=post_id,
        author_name=access.actor_name,
        author_authority=access.actor_authority,
        bump_thread=True,
    )
    return written.read


async def create_thread(
    session: AsyncSession,
    *,
    actor: Actor,
    forum: Forum,
    title: str,
    body: str,
    tags: list[str],
    auto_follow: bool,
    thread_id: uuid.UUID | None = None,
    author_name: str | None = None,
    author_authority: str | None = None,
) -> ThreadCreated:
    """Start a thread with its first post in a forum the caller may read (checked by caller)."""
    assert actor.user_id is not None
    now = utcnow()
    thread = Thread(
        id=thread_id or uuid.uuid4(),
        forum_id=forum.id,
        author_id=actor.user_id,
        title=title,
        tags=tags,
        created_at=now,
        last_activity_at=now,
    )
    session.add(thread)
    await session.flush()
    written = await _write_post(
        session,
        actor=actor,
        place=Place(thread.id, thread.title, False, forum.id, forum),
        body=body,
        reply_to_post_id=None,
        auto_follow=auto_follow,
        action="forum.thread.create",
        author_name=author_name,
        author_authority=author_authority,
    )
    thread.post_count = 1
    thread.last_post_seq = written.seq
    await session.flush()
    await events.publish(
        session,
        "thread.created",
        {"forum_id": forum.id, "thread_id": thread.id, "post_id": written.read.id},
        audience=Audience.of("forum", forum.id),
    )
    return ThreadCreated(
        id=thread.id,
        forum_id=forum.id,
        title=thread.title,
        tags=list(thread.tags),
        author=written.read.author,
        pinned=False,
        locked=False,
        post_count=1,
        unread_count=0,
        following=auto_follow,
        allowed_actions=rules.thread_actions(actor, locked=False, pinned=False),
        created_at=thread.created_at,
        last_activity_at=thread.last_activity_at,
        first_post=written.read,
    )


@dataclass(frozen=True, slots=True)
class PosterProfile:
    auto_follow: bool
    full_name: str | None
    authority_name: str | None


async def poster_profile(session: AsyncSession, user_id: uuid.UUID) -> PosterProfile:
    """Auto-follow setting, full name and authority of a member about to start a thread (one
    query)."""
    row = await repository.poster_profile(session, user_id)
    if row is None:
        return PosterProfile(auto_follow=True, full_name=None, authority_name=None)
    return PosterProfile(
        auto_follow=row.auto_follow is not False,
        full_name=row.full_name,
        authority_name=row.authority_name,
    )
