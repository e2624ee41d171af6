"""Changing a post after the fact: edits keep every earlier version; authors soft-delete."""

from __future__ import annotations

import uuid
from typing import NoReturn

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.core import audit, events
from app.core.audit import Target
from app.core.errors import Forbidden
from app.core.events import Audience
from app.core.markdown import render_markdown
from app.core.refusal import refuse
from app.forums import repository, rules
from app.forums.access import access_post
from app.forums.mentions import extract_handles, highlight_mentions, resolve_mentions
from app.forums.schemas import PostRead, PostRevisionRead
from app.forums.shapes import post_read
from app.forums.vectors import plain_text, search_vector
from app.models.base import utcnow
from app.models.forums import PostRevision


async def _author_names(
    session: AsyncSession, user_id: uuid.UUID | None
) -> tuple[str | None, str | None, str | None]:
    """(handle, full name, authority name) of a post's author."""
    card = await repository.author_card(session, user_id) if user_id is not None else None
    return (str(card[0]), card[1], card[2]) if card else (None, None, None)


async def get_post(session: AsyncSession, *, actor: Actor, post_id: uuid.UUID) -> PostRead:
    """One post as the caller may see it."""
    access = await access_post(session, actor, post_id)
    handle, name, authority = await _author_names(session, access.post.author_id)
    return post_read(
        actor,
        access.post,
        author_handle=handle,
        author_name=name,
        author_authority=authority,
        thread_locked=access.thread.locked,
    )


async def edit_post(
    session: AsyncSession, *, actor: Actor, post_id: uuid.UUID, body: str
) -> PostRead:
    """Replace a post's body (its author, or a moderator); the old version becomes a revision."""
    access = await access_post(session, actor, post_id, for_update=True)
    post, thread = access.post, access.thread
    refusal = rules.edit_refusal(
        actor,
        author_id=post.author_id,
        deleted=post.deleted_at is not None,
        thread_locked=thread.locked,
    )
    if refusal is not None:
        await _refuse(session, refusal, actor=actor, action="forum.post.edit", post_id=post.id)
    if body != post.body:
        old_mentions = set(post.mentioned_user_ids or [])
        mentioned = await resolve_mentions(session, extract_handles(body), access.forum)
        if post.author_id is not None:
            mentioned = {h: u for h, u in mentioned.items() if u != post.author_id}
        session.add(
            PostRevision(
                post_id=post.id,
                version=post.version,
                body=post.body,
                written_by=post.edited_by or post.author_id,
                written_at=post.edited_at or post.created_at,
            )
        )
        before = {"version": post.version}
        post.body = body
        post.body_html = highlight_mentions(render_markdown(body), mentioned)
        post.body_text = plain_text(post.body_html)
        post.search_vector = search_vector(thread.title, post.body_text)  # type: ignore[assignment]
        post.version += 1
        post.edited_at = utcnow()
        post.edited_by = actor.user_id
        post.mentioned_user_ids = sorted(old_mentions | set(mentioned.values()), key=str)
        await session.flush()
        # The vector was an SQL expression; do not hand it back as if it were text.
        session.expire(post, ["search_vector"])
        await audit.record(
            session,
            actor=actor,
            action="forum.post.edit",
            target=Target("post", post.id),
            changes=audit.diff(before, {"version": post.version}),
            details={
                "thread_id": thread.id,
                "by_moderator": post.author_id != actor.user_id,
            },
            authority_ids=[actor.authority_id],
        )
        ids = {"forum_id": access.forum.id, "thread_id": thread.id, "post_id": post.id}
        await events.publish(
            session, "post.updated", ids, audience=Audience.of("thread", thread.id)
        )
        for user_id in set(mentioned.values()) - old_mentions:
            await events.publish(
                session,
                "post.created",
                ids | {"mention": True},
                audience=Audience.of("user", user_id),
            )
    handle, name, authority = await _author_names(session, post.author_id)
    return post_read(
        actor,
        post,
        author_handle=handle,
        author_name=name,
        author_authority=authority,
        thread_locked=thread.locked,
    )


async def delete_post(session: AsyncSession, *, actor: Actor, post_id: uuid.UUID) -> None:
    """Soft-delete one's own post: it stays in the thread as "deleted"; moderators still see it."""
    access = await access_post(session, actor, post_id, for_update=True)
    post = access.post
    refusal = rules.delete_refusal(actor, author_id=post.author_id)
    if refusal is not None:
        await _refuse(session, refusal, actor=actor, action="forum.post.delete", post_id=post.id)
    if post.deleted_at is not None:
        return
    post.deleted_at = utcnow()
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="forum.post.delete",
        target=Target("post", post.id),
        details={"thread_id": access.thread.id},
        authority_ids=[actor.authority_id],
    )
    await events.publish(
        session,
        "post.updated",
        {"forum_id": access.forum.id, "thread_id": access.thread.id, "post_id": post.id},
        audience=Audience.of("thread", access.thread.id),
    )


async def list_revisions(
    session: AsyncSession, *, actor: Actor, post_id: uuid.UUID
) -> list[PostRevisionRead]:
    """Every version of a post, oldest first (the author and moderators only)."""
    access = await access_post(session, actor, post_id)
    post = access.post
    refusal = rules.revisions_refusal(actor, author_id=post.author_id)
    if refusal is not None:
        await _refuse(session, refusal, actor=actor, action="forum.post.revisions", post_id=post.id)
    rows = await repository.revisions_of_post(session, post.id)
    revisions = [
        PostRevisionRead(
            version=r.version,
            body=r.body,
            body_html=render_markdown(r.body),
            written_by=r.written_by,
            written_at=r.written_at,
            current=False,
        )
        for r in rows
    ]
    revisions.append(
        PostRevisionRead(
            version=post.version,
            body=post.body,
            body_html=post.body_html,
            written_by=post.edited_by or post.author_id,
            written_at=post.edited_at or post.created_at,
            current=True,
        )
    )
    return revisions


async def _refuse(
    session: AsyncSession,
    refusal: rules.Refusal,
    *,
    actor: Actor,
    action: str,
    post_id: uuid.UUID,
) -> NoReturn:
    # Only a refused permission is an audited denial; a conflict (a locked thread, a deleted
    # post) is the state of things, not an attempt to overstep.
    error = refusal()
    if isinstance(error, Forbidden):
        await refuse(session, error, actor=actor, action=action, target=Target("post", post_id))
    raise error
