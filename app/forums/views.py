"""Shaping rows into API objects, hiding what the caller may not see of hidden/deleted posts."""

from __future__ import annotations

import uuid
from datetime import datetime

from app.auth.actor import Actor
from app.forums import rules
from app.forums.access import is_moderator
from app.forums.schemas import Author, PostRead, Quote
from app.models.forums import Post

QUOTE_CHARS = 280
HIDDEN_HTML = '<p class="post-hidden">This post was hidden by a moderator.</p>'
DELETED_HTML = '<p class="post-deleted">This post was deleted by its author.</p>'


def author(
    user_id: uuid.UUID | None,
    handle: str | None,
    full_name: str | None,
    authority_name: str | None = None,
) -> Author:
    return Author(id=user_id, handle=handle, full_name=full_name, authority_name=authority_name)


def _content_visible(
    actor: Actor, *, author_id: uuid.UUID | None, hidden: bool, deleted: bool
) -> bool:
    if is_moderator(actor):
        return True
    if deleted:
        return False
    # The author of a hidden post still sees it (and why it was hidden); members do not.
    return not hidden or (author_id is not None and author_id == actor.user_id)


def post_read(
    actor: Actor,
    post: Post,
    *,
    author_handle: str | None,
    author_name: str | None,
    author_authority: str | None,
    thread_locked: bool,
    quote: Quote | None = None,
) -> PostRead:
    hidden = post.hidden_at is not None
    deleted = post.deleted_at is not None
    visible = _content_visible(actor, author_id=post.author_id, hidden=hidden, deleted=deleted)
    if visible:
        body, body_html = post.body, post.body_html
    else:
        body, body_html = "", DELETED_HTML if deleted else HIDDEN_HTML
    show_reason = hidden and (is_moderator(actor) or post.author_id == actor.user_id)
    return PostRead(
        id=post.id,
        thread_id=post.thread_id,
        author=author(post.author_id, author_handle, author_name, author_authority),
        body=body,
        body_html=body_html,
        reply_to_post_id=post.reply_to_post_id,
        quote=quote,
        mentions=list(post.mentioned_user_ids or []),
        version=post.version,
        created_at=post.created_at,
        edited_at=post.edited_at,
        deleted=deleted,
        hidden=hidden,
        hidden_reason=post.hidden_reason if show_reason else None,
        allowed_actions=rules.post_actions(
            actor,
            author_id=post.author_id,
            hidden=hidden,
            deleted=deleted,
            thread_locked=thread_locked,
            content_visible=visible,
        ),
    )


def quote_of(
    actor: Actor,
    *,
    post_id: uuid.UUID | None,
    author_id: uuid.UUID | None,
    author_handle: str | None,
    author_name: str | None,
    body: str | None,
    hidden_at: datetime | None,
    deleted_at: datetime | None,
) -> Quote | None:
    if post_id is None:
        return None
    visible = _content_visible(
        actor, author_id=author_id, hidden=hidden_at is not None, deleted=deleted_at is not None
    )
    excerpt = (body or "")[:QUOTE_CHARS] if visible else ""
    return Quote(
        post_id=post_id, author=author(author_id, author_handle, author_name), excerpt=excerpt
    )
