"""Rows -> API shapes (no queries here), hiding what the caller may not see of hidden and
deleted posts, and saying what the caller may do (`allowed_actions`, from rules.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from app.auth.actor import Actor
from app.forums import rules
from app.forums.rules import is_moderator
from app.forums.schemas import (
    AudienceRead,
    Author,
    FlagRead,
    FollowedThreadRead,
    ForumRead,
    GroupRead,
    PostRead,
    ThreadRead,
)
from app.models.forums import Forum, ForumGroup, Post, PostFlag, Thread

QUOTE_CHARS = 280
HIDDEN_HTML = '<p class="post-hidden">This post was hidden by a moderator.</p>'
DELETED_HTML = '<p class="post-deleted">This post was deleted by its author.</p>'


def author(
    user_id: uuid.UUID | None,
    handle: str | None,
    full_name: str | None,
    authority_name: str | None = None,
) -> Author:
    return Author.model_validate(_author_fields(user_id, handle, full_name, authority_name))


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
    post: Post | Any,  # the entity, or a row with its columns (repository.posts_page)
    *,
    author_handle: str | None,
    author_name: str | None,
    author_authority: str | None,
    thread_locked: bool,
) -> PostRead:
    return PostRead.model_validate(
        _post_fields(
            actor,
            post,
            author_fields=_author_fields(
                post.author_id, author_handle, author_name, author_authority
            ),
            thread_locked=thread_locked,
            quote=None,
        )
    )


def posts_fields_of_rows(
    actor: Actor, rows: list[Any], *, thread_locked: bool
) -> list[dict[str, Any]]:
    """Rows of repository.posts_page as the caller may see them, with the posts they quote:
    PostRead's fields, for the page to be written without models (app/core/responses.py)."""
    return [
        _post_fields(
            actor,
            row,
            author_fields=_author_fields(
                row.author_id, row.author_handle, row.author_name, row.author_authority
            ),
            thread_locked=thread_locked,
            quote=_quote_fields(actor, row),
        )
        for row in rows
    ]


def _author_fields(
    user_id: uuid.UUID | None,
    handle: str | None,
    full_name: str | None,
    authority_name: str | None = None,
) -> dict[str, Any]:
    return {
        "id": user_id,
        "handle": handle,
        "full_name": full_name,
        "authority_name": authority_name,
    }


def _post_fields(
    actor: Actor,
    post: Post | Any,
    *,
    author_fields: dict[str, Any],
    thread_locked: bool,
    quote: dict[str, Any] | None,
) -> dict[str, Any]:
    """PostRead's fields, each of them (they are written as they are, see
    posts_fields_of_rows), hiding what the caller may not see."""
    hidden = post.hidden_at is not None
    deleted = post.deleted_at is not None
    visible = _content_visible(actor, author_id=post.author_id, hidden=hidden, deleted=deleted)
    if visible:
        body, body_html = post.body, post.body_html
    else:
        body, body_html = "", DELETED_HTML if deleted else HIDDEN_HTML
    show_reason = hidden and (is_moderator(actor) or post.author_id == actor.user_id)
    return {
        "id": post.id,
        "thread_id": post.thread_id,
        "author": author_fields,
        "body": body,
        "body_html": body_html,
        "reply_to_post_id": post.reply_to_post_id,
        "quote": quote,
        "mentions": post.mentioned_user_ids or [],
        "version": post.version,
        "created_at": post.created_at,
        "edited_at": post.edited_at,
        "deleted": deleted,
        "hidden": hidden,
        "hidden_reason": post.hidden_reason if show_reason else None,
        "allowed_actions": rules.post_actions(
            actor,
            author_id=post.author_id,
            hidden=hidden,
            deleted=deleted,
            thread_locked=thread_locked,
            content_visible=visible,
        ),
    }


def _quote_fields(actor: Actor, row: Any) -> dict[str, Any] | None:
    """The start of the post a row of repository.posts_page replies to, if it may be seen."""
    if row.reply_id is None:
        return None
    visible = _content_visible(
        actor,
        author_id=row.reply_author_id,
        hidden=row.reply_hidden_at is not None,
        deleted=row.reply_deleted_at is not None,
    )
    return {
        "post_id": row.reply_id,
        "author": _author_fields(
            row.reply_author_id, row.reply_author_handle, row.reply_author_name
        ),
        "excerpt": (row.reply_body or "")[:QUOTE_CHARS] if visible else "",
    }


def thread_read(actor: Actor, row: Any) -> ThreadRead:
    """A row of repository.threads_page with the caller's unread count and follow state."""
    thread: Thread = row[0]
    return ThreadRead(
        id=thread.id,
        forum_id=thread.forum_id,
        title=thread.title,
        tags=list(thread.tags),
        author=author(thread.author_id, row.author_handle, row.author_name),
        pinned=thread.pinned,
        locked=thread.locked,
        post_count=thread.post_count,
        unread_count=int(row.unread or 0),
        first_unread_post_id=row.first_unread,
        following=bool(row.following),
        allowed_actions=rules.thread_actions(actor, locked=thread.locked, pinned=thread.pinned),
        created_at=thread.created_at,
        last_activity_at=thread.last_activity_at,
    )


def followed_thread_read(row: Any) -> FollowedThreadRead:
    """A row of repository.followed_threads_page."""
    thread: Thread = row[0]
    return FollowedThreadRead(
        id=thread.id,
        forum_id=thread.forum_id,
        forum_name=row[1],
        title=thread.title,
        pinned=thread.pinned,
        locked=thread.locked,
        post_count=thread.post_count,
        unread_count=int(row[2] or 0),
        last_activity_at=thread.last_activity_at,
    )


def audience_read(
    forum: Forum, group_name: str | None, region: str | None, authorities: int | None
) -> AudienceRead:
    if forum.audience_kind != "group":
        return AudienceRead(kind=forum.audience_kind)
    return AudienceRead(
        kind="group",
        group_id=forum.group_id,
        group_name=group_name,
        group_region=region,
        authority_count=int(authorities or 0),
    )


def forum_read(
    actor: Actor,
    forum: Forum,
    *,
    audience: AudienceRead,
    thread_count: int | None = 0,
    last_activity_at: datetime | None = None,
    unread_threads: int | None = 0,
    unread_count: int | None = 0,
    following: bool | None = False,
) -> ForumRead:
    return ForumRead(
        id=forum.id,
        name=forum.name,
        description=forum.description,
        audience=audience,
        position=forum.position,
        thread_count=int(thread_count or 0),
        last_activity_at=last_activity_at,
        unread_threads=int(unread_threads or 0),
        unread_count=int(unread_count or 0),
        following=bool(following),
        allowed_actions=rules.forum_actions(actor),
        created_at=forum.created_at,
    )


def forum_read_of_row(actor: Actor, row: Any) -> ForumRead:
    """A row of repository.forums_page."""
    forum: Forum = row[0]
    return forum_read(
        actor,
        forum,
        audience=audience_read(forum, row.group_name, row.group_region, row.group_authorities),
        thread_count=row.thread_count,
        last_activity_at=row.last_activity_at,
        unread_threads=row.unread_threads,
        unread_count=row.unread_count,
        following=row.following,
    )


def flag_read(
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


def group_read(group: ForumGroup, explicit_member_count: int) -> GroupRead:
    return GroupRead(
        id=group.id,
        name=group.name,
        description=group.description,
        region=group.region,
        explicit_member_count=explicit_member_count,
        created_at=group.created_at,
    )
