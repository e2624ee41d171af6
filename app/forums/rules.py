"""Who may do what to a thread or a post they can read: the one place the forum endpoints and
the `allowed_actions` hints of the reads take their answer from.

Each `*_refusal` returns the class of the error the endpoint raises, or None when the act is
allowed (a class, not an instance: a page of 50 posts asks these four times a post, and
building errors nobody raises was a tenth of the page's CPU); the action lists are built from
the same functions, so a client that shows the buttons the API
lists never offers what the endpoint would refuse (audiences are checked before: what the
actor cannot read is a 404 and never gets this far).
"""

from __future__ import annotations

import uuid

from app.auth.actor import Actor
from app.auth.permissions import Permission
from app.core.errors import AppError
from app.forums.exceptions import (
    DeleteNotAllowed,
    EditNotAllowed,
    HistoryNotAllowed,
    PostDeleted,
    PostingNotAllowed,
    ThreadLocked,
    ThreadLockedForEdits,
)

Refusal = type[AppError]


def is_moderator(actor: Actor) -> bool:
    """Moderators read every forum and see hidden and deleted posts."""
    return actor.can(Permission.FORUM_MODERATE)


def reply_refusal(actor: Actor, *, thread_locked: bool) -> Refusal | None:
    """Posting in a thread: the poster permission, and an unlocked thread (for everyone)."""
    if not actor.can(Permission.FORUM_POST):
        return PostingNotAllowed
    if thread_locked:
        return ThreadLocked
    return None


def edit_refusal(
    actor: Actor, *, author_id: uuid.UUID | None, deleted: bool, thread_locked: bool
) -> Refusal | None:
    """Editing a post: its author or a moderator; not once deleted; a locked thread only by a
    moderator."""
    moderator = is_moderator(actor)
    if author_id != actor.user_id and not moderator:
        return EditNotAllowed
    if deleted:
        return PostDeleted
    if thread_locked and not moderator:
        return ThreadLockedForEdits
    return None


def delete_refusal(actor: Actor, *, author_id: uuid.UUID | None) -> Refusal | None:
    """Deleting a post: its author only (moderators hide instead)."""
    if author_id != actor.user_id:
        return DeleteNotAllowed
    return None


def revisions_refusal(actor: Actor, *, author_id: uuid.UUID | None) -> Refusal | None:
    """A post's history: its author and moderators."""
    if author_id != actor.user_id and not is_moderator(actor):
        return HistoryNotAllowed
    return None


def moderates(actor: Actor) -> bool:
    """Lock, pin, move, hide and the flag queue (the endpoints' RequirePermission)."""
    return is_moderator(actor)


def thread_actions(actor: Actor, *, locked: bool, pinned: bool) -> list[str]:
    """What the actor may do to a thread they can read."""
    actions = ["follow"]
    if reply_refusal(actor, thread_locked=locked) is None:
        actions.append("reply")
    if moderates(actor):
        actions += ["unlock" if locked else "lock", "unpin" if pinned else "pin", "move"]
    return actions


def post_actions(
    actor: Actor,
    *,
    author_id: uuid.UUID | None,
    hidden: bool,
    deleted: bool,
    thread_locked: bool,
    content_visible: bool,
) -> list[str]:
    """What the actor may do to a post they can read."""
    poster = actor.can(Permission.FORUM_POST)
    actions = []
    if content_visible and reply_refusal(actor, thread_locked=thread_locked) is None:
        actions.append("quote")
    if (
        poster
        and edit_refusal(actor, author_id=author_id, deleted=deleted, thread_locked=thread_locked)
        is None
    ):
        actions.append("edit")
    if poster and not deleted and delete_refusal(actor, author_id=author_id) is None:
        actions.append("delete")
    if revisions_refusal(actor, author_id=author_id) is None:
        actions.append("history")
    if actor.can(Permission.FORUM_READ):
        actions.append("flag")
    if moderates(actor):
        actions.append("unhide" if hidden else "hide")
    return actions


def forum_actions(actor: Actor) -> list[str]:
    """What the actor may do in a forum they can read."""
    actions = ["follow", "mark_read"]
    if actor.can(Permission.FORUM_POST):
        actions.insert(0, "start_thread")
    return actions
