"""The forums' events: who may receive them, and which notifications they make.

Registered with app.core.event_rules on import (the domain manifest imports this module).
Titles carry no content: no post text, no names.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.auth.permissions import Permission
from app.core import event_catalog, event_rules
from app.core.event_rules import Batch, Planned, StoredEvent
from app.forums import repository
from app.forums import service as forums_service
from app.forums.repository import ForumAudience
from app.identity import service as identity_service

_POSTS = "forums.posts"  # Batch.facts: post id -> PostFacts
_FOLLOWERS_DONE = "forums.followers_done"  # Batch.facts: threads whose followers were told


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


# -- audiences -------------------------------------------------------------------------------


async def _readers(
    session: AsyncSession, forum: ForumAudience | None, receivers: Sequence[Actor]
) -> set[uuid.UUID]:
    # One query whatever the number of connected members: the forum's audience rule as a
    # WHERE clause over the members' current rows.
    ids = [a.user_id for a in receivers if a.user_id is not None]
    if forum is None or not ids:
        return set()
    return await repository.member_ids_reading_forum(session, forum, ids)


async def thread_audience(
    session: AsyncSession, thread_id: uuid.UUID, receivers: Sequence[Actor]
) -> set[uuid.UUID]:
    """The receivers who may read the thread's forum now."""
    return await _readers(
        session, await repository.audience_of_thread(session, thread_id), receivers
    )


async def forum_audience(
    session: AsyncSession, forum_id: uuid.UUID, receivers: Sequence[Actor]
) -> set[uuid.UUID]:
    """The receivers who may read the forum now."""
    return await _readers(session, await repository.audience_of_forum(session, forum_id), receivers)


# -- notifications ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PostFacts:
    author_id: uuid.UUID | None
    mentioned: frozenset[uuid.UUID]
    replied_author_id: uuid.UUID | None


async def load_posts(session: AsyncSession, events: list[StoredEvent], batch: Batch) -> None:
    """The facts of every post the batch's thread events name, in two queries."""
    post_ids = {
        pid
        for e in events
        if e.name == "post.created" and e.audience_kind == "thread"
        for pid in [_uuid(e.data.get("post_id"))]
        if pid is not None
    }
    posts: dict[uuid.UUID, PostFacts] = batch.facts.setdefault(_POSTS, {})
    if not post_ids:
        return
    rows = await repository.post_facts(session, post_ids)
    replied_ids = {r[3] for r in rows if r[3] is not None}
    replied_authors: dict[uuid.UUID, uuid.UUID | None] = {}
    if replied_ids:
        replied_authors = await repository.post_authors(session, replied_ids)
    for post_id, author_id, mentioned, reply_to in rows:
        posts[post_id] = PostFacts(
            author_id,
            frozenset(mentioned or ()),
            replied_authors.get(reply_to) if reply_to is not None else None,
        )


async def post_created(session: AsyncSession, event: StoredEvent, batch: Batch) -> list[Planned]:
    thread_id = _uuid(event.data.get("thread_id"))
    post_id = _uuid(event.data.get("post_id"))
    if thread_id is None or post_id is None:
        return []
    ids = {"thread_id": str(thread_id), "post_id": str(post_id)}
    path = f"/threads/{thread_id}#post-{post_id}"
    recheck = ("thread", thread_id)
    if event.audience_kind == "user":
        recipient = _uuid(event.audience_id)
        if not event.data.get("mention") or recipient is None:
            return []
        title = "You were mentioned in a forum post"
        return [Planned(recipient, "mention", "thread", str(thread_id), title, path, ids, recheck)]
    posts: dict[uuid.UUID, PostFacts] = batch.facts.get(_POSTS, {})
    post = posts.get(post_id) if event.audience_kind == "thread" else None
    if post is None:
        return []
    skip = {post.author_id, *post.mentioned}  # mentions have their own event
    planned: list[Planned] = []
    replied = post.replied_author_id
    if replied is not None and replied not in skip:
        title = "New reply to your post"
        planned.append(
            Planned(replied, "reply", "thread", str(thread_id), title, path, ids, recheck)
        )
        skip.add(replied)
    done: set[uuid.UUID] = batch.facts.setdefault(_FOLLOWERS_DONE, set())
    if thread_id not in done:
        # One unread "new posts in a thread you follow" per member and thread is enough.
        done.add(thread_id)
        # Already filtered to members who may read the thread: no per-member check needed.
        for user_id in await forums_service.thread_followers(session, thread_id):
            if user_id not in skip:
                title = "New posts in a thread you follow"
                planned.append(
                    Planned(user_id, "followed_thread", "thread", str(thread_id), title, path, ids)
                )
    return planned


async def thread_created(session: AsyncSession, event: StoredEvent, batch: Batch) -> list[Planned]:
    thread_id = _uuid(event.data.get("thread_id"))
    if thread_id is None:
        return []
    thread = await repository.thread_by_id(session, thread_id)
    if thread is None:
        return []
    ids = {"thread_id": str(thread_id), "forum_id": str(thread.forum_id)}
    title = "New thread in a forum you follow"
    return [
        Planned(
            user_id, "followed_forum", "thread", str(thread_id), title, f"/threads/{thread_id}", ids
        )
        for user_id in await forums_service.thread_followers(session, thread_id)
        if user_id != thread.author_id
    ]


async def post_flagged(session: AsyncSession, event: StoredEvent, batch: Batch) -> list[Planned]:
    ids = {k: str(v) for k, v in event.data.items() if k.endswith("_id")}
    title = "A flagged post waits for review"
    moderators = await identity_service.active_member_ids_with(session, Permission.FORUM_MODERATE)
    return [
        Planned(
            user_id,
            "moderation_flag",
            "post",
            ids.get("post_id", ""),
            title,
            "/moderation/flags",
            ids,
        )
        for user_id in moderators
        if str(user_id) != ids.get("flagged_by_id")
    ]


event_rules.audience("thread", thread_audience)
event_rules.audience("forum", forum_audience)
event_rules.read_check("thread", forums_service.readers_of_thread)
event_rules.prefetch(load_posts)
event_rules.rule("post.created", post_created)
event_rules.rule("thread.created", thread_created)
event_rules.rule("post.flagged", post_flagged)
event_rules.notification_type("mention", "email", "someone mentioned you in a forum post")
event_rules.notification_type("reply", "in_app", "a reply to one of your posts")
event_rules.notification_type("followed_thread", "in_app", "a new post in a thread you follow")
event_rules.notification_type("followed_forum", "in_app", "a new thread in a forum you follow")
event_rules.notification_type("moderation_flag", "in_app", "a flagged post waits for a moderator")


# -- what forums publish (docs/events.md is rendered from these) -------------------------------
_POST = {"forum_id": "the forum", "thread_id": "the thread", "post_id": "the post"}
event_catalog.declare(
    "thread.created",
    "A new thread in a forum.",
    audiences=("forum",),
    payload=_POST,
)
event_catalog.declare(
    "post.created",
    "A new post in a thread; to a mentioned member, with `mention`.",
    audiences=("thread", "user"),
    payload={**_POST, "mention": "true when sent to a member the post mentions"},
    optional=("mention",),
)
event_catalog.declare(
    "post.updated",
    "A post was edited or shown again by a moderator; to its author, with `hidden`.",
    audiences=("thread", "user"),
    payload={**_POST, "hidden": "false: a moderator showed the author's post again"},
    optional=("hidden",),
)
event_catalog.declare(
    "post.hidden",
    "A moderator hid a post (the author reads the reason on the post).",
    audiences=("thread", "user"),
    payload={**_POST, "hidden": "true, to the author"},
    optional=("hidden",),
)
event_catalog.declare(
    "post.flagged",
    "A member flagged a post for moderation.",
    audiences=("moderators",),
    payload={
        "flag_id": "the flag",
        "flagged_by_id": "who flagged it",
        "post_id": "the post",
        "thread_id": "its thread",
    },
    optional=("flagged_by_id", "thread_id"),
)
event_catalog.declare(
    "thread.locked",
    "A moderator locked or unlocked a thread.",
    audiences=("thread",),
    payload={"forum_id": "the forum", "thread_id": "the thread", "locked": "true or false"},
)
