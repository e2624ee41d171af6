"""Writing: start a thread, post a reply, edit a post (keeping its revisions), delete one's own.

The reply path is the hot one: four statements whatever the thread's size or number of
followers: the actor lookup, one access query, one INSERT (a CTE that also writes the
author's auto-follow and read marker and bumps the thread's counters), and the journal's
audit entry and event (app/core/journal.py). Nothing fans out per follower here;
notifications are derived from the event after commit. The thread's row is updated in the
last statement before the journal's, so its row lock (which serialises replies to one thread)
is held for one round trip and the commit, and the `NOT locked` guard in that UPDATE closes
the race with a moderator locking the thread.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.auth.actor import Actor
from app.core import audit, events, idempotency
from app.core.audit import Target
from app.core.errors import Conflict, ValidationFailed
from app.core.events import Audience
from app.core.markdown import render_markdown
from app.forums import rules
from app.forums.access import access_thread
from app.forums.editing import get_post
from app.forums.mentions import extract_handles, highlight_mentions, resolve_mentions
from app.forums.schemas import PostRead, ThreadCreated
from app.forums.vectors import plain_text
from app.forums.views import author
from app.models.base import utcnow
from app.models.directory import Authority
from app.models.forums import Forum, ForumUserSettings, Post, Thread
from app.models.identity import User


@dataclass(frozen=True, slots=True)
class WrittenPost:
    read: PostRead
    seq: int


async def _write_post(
    session: AsyncSession,
    *,
    actor: Actor,
    thread: Thread,
    forum: Forum,
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
    body_html, mentioned = await render_post(session, actor=actor, forum=forum, body=body)
    body_text = plain_text(body_html)
    post_id = post_id or uuid.uuid4()
    row = (
        await session.execute(
            _INSERT_POST,
            {
                "post_id": post_id,
                "thread_id": thread.id,
                "author_id": actor.user_id,
                "reply_to": reply_to_post_id,
                "body": body,
                "body_html": body_html,
                "body_text": body_text,
                "title": thread.title,
                "mentions": list(mentioned.values()),
                "follow": auto_follow,
                "bump": bump_thread,
            },
        )
    ).one()
    seq: int = row[0]
    created_at: datetime = row[1]
    if bump_thread and not row[2]:
        # A moderator locked the thread after we read it: the insert rolls back with the 409.
        raise Conflict("The thread is locked; it takes no new posts.", code="thread-locked")
    await audit.record(
        session,
        actor=actor,
        action=action,
        target=Target("post", post_id),
        details={
            "thread_id": thread.id,
            "forum_id": forum.id,
            "reply_to_post_id": reply_to_post_id,
            "mentioned_user_ids": list(mentioned.values()),
        },
        authority_ids=[actor.authority_id],
    )
    ids = {"forum_id": forum.id, "thread_id": thread.id, "post_id": post_id}
    if action == "forum.post.create":
        await events.publish(
            session, "post.created", ids, audience=Audience.of("thread", thread.id)
        )
    for user_id in mentioned.values():
        await events.publish(
            session, "post.created", ids | {"mention": True}, audience=Audience.of("user", user_id)
        )
    read = PostRead(
        id=post_id,
        thread_id=thread.id,
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
            thread_locked=thread.locked,
            content_visible=True,
        ),
    )
    return WrittenPost(read=read, seq=seq)


async def render_post(
    session: AsyncSession, *, actor: Actor, forum: Forum, body: str
) -> tuple[str, dict[str, uuid.UUID]]:
    """A post's sanitised HTML as it would be written in `forum`, with the members it
    mentions (those who may read the forum, never the author)."""
    mentioned = await resolve_mentions(session, extract_handles(body), forum)
    mentioned.pop((actor.handle or "").lower(), None)
    return highlight_mentions(render_markdown(body), mentioned), mentioned


# One round trip: the post, the author's auto-follow (an earlier explicit unfollow is kept:
# DO NOTHING), the author's read marker (they have read their own post) and, for a reply, the
# thread's counters (`NOT locked` closes the race with a moderator locking the thread). The
# activity time never moves back: now() is when the transaction began, before the creation
# time of a thread started in the same transaction (as the demo seeding does). The vector is
# the thread title (weight A) and the post's plain text (weight B), as `search_vector()`
# builds it for edits.
_INSERT_POST = sa.text(
    """
    WITH post AS (
        INSERT INTO forum_posts (id, thread_id, author_id, reply_to_post_id, body, body_html,
                                 body_text, search_vector, mentioned_user_ids, version,
                                 created_at)
        VALUES (:post_id, :thread_id, :author_id, :reply_to, :body, :body_html, :body_text,
                setweight(to_tsvector('simple'::regconfig, CAST(:title AS text)), 'A')
                || setweight(to_tsvector('simple'::regconfig, CAST(:body_text AS text)), 'B'),
                :mentions, 1, now())
        RETURNING seq, created_at
    ), auto_follow AS (
        INSERT INTO forum_thread_follows (user_id, thread_id, following, updated_at)
        SELECT :author_id, :thread_id, true, now() WHERE :follow
        ON CONFLICT DO NOTHING
    ), mark_read AS (
        INSERT INTO forum_thread_reads (user_id, thread_id, last_read_seq, updated_at)
        SELECT :author_id, :thread_id, post.seq, now() FROM post
        ON CONFLICT (user_id, thread_id) DO UPDATE
        SET last_read_seq = GREATEST(forum_thread_reads.last_read_seq, EXCLUDED.last_read_seq),
            updated_at = now()
    ), bump AS (
        UPDATE forum_threads
        SET post_count = post_count + 1,
            last_post_seq = GREATEST(last_post_seq, (SELECT seq FROM post)),
            last_activity_at = GREATEST(last_activity_at, now())
        WHERE id = :thread_id AND NOT locked AND :bump
        RETURNING id
    )
    SELECT seq, created_at, EXISTS (SELECT 1 FROM bump) AS bumped FROM post
    """
).bindparams(
    sa.bindparam("post_id", type_=sa.Uuid()),
    sa.bindparam("thread_id", type_=sa.Uuid()),
    sa.bindparam("author_id", type_=sa.Uuid()),
    sa.bindparam("reply_to", type_=sa.Uuid()),
    sa.bindparam("body", type_=sa.Text()),
    sa.bindparam("body_html", type_=sa.Text()),
    sa.bindparam("body_text", type_=sa.Text()),
    sa.bindparam("title", type_=sa.Text()),
    sa.bindparam("mentions", type_=ARRAY(sa.Uuid())),
    sa.bindparam("follow", type_=sa.Boolean()),
    sa.bindparam("bump", type_=sa.Boolean()),
)


async def _check_reply_target(
    session: AsyncSession, thread_id: uuid.UUID, reply_to_post_id: uuid.UUID
) -> None:
    found = await session.scalar(
        select(col(Post.id)).where(
            col(Post.id) == reply_to_post_id, col(Post.thread_id) == thread_id
        )
    )
    if found is None:
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
    access = await access_thread(session, actor, thread_id)
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
    refusal = rules.reply_refusal(actor, thread_locked=access.thread.locked)
    if refusal is not None:
        raise refusal
    if reply_to_post_id is not None:
        await _check_reply_target(session, thread_id, reply_to_post_id)
    written = await _write_post(
        session,
        actor=actor,
        thread=access.thread,
        forum=access.forum,
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
        thread=thread,
        forum=forum,
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
    row = (
        await session.execute(
            select(col(ForumUserSettings.auto_follow), col(User.full_name), col(Authority.name))
            .select_from(User)
            .outerjoin(ForumUserSettings, col(ForumUserSettings.user_id) == col(User.id))
            .outerjoin(Authority, col(Authority.id) == col(User.authority_id))
            .where(col(User.id) == user_id)
        )
    ).first()
    if row is None:
        return PosterProfile(auto_follow=True, full_name=None, authority_name=None)
    return PosterProfile(auto_follow=row[0] is not False, full_name=row[1], authority_name=row[2])
