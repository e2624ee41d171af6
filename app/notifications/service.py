"""The notifications domain's verbs: list, mark read, preferences."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.auth.actor import Actor
from app.core import audit
from app.core.audit import Target
from app.core.errors import ValidationFailed
from app.core.pagination import Key, decode_cursor, page
from app.models.notifications import Notification, NotificationPreferences
from app.notifications import repository
from app.notifications.kinds import allowed_modes, default_modes, descriptions
from app.notifications.schemas import (
    MarkReadResult,
    Preferences,
)


def _url(n: Notification) -> str:
    # The same page the rule's mail links to (Planned.path in app/<domain>/events.py).
    data = n.data or {}
    if n.subject_type == "thread":
        post = data.get("post_id")
        return f"/threads/{n.subject_id}" + (f"#post-{post}" if post else "")
    if n.subject_type == "case":
        return f"/cases/{n.subject_id}"
    if n.subject_type == "application":
        return f"/vetting/applications/{n.subject_id}"
    if n.subject_type == "post":
        return "/moderation/flags"
    if n.subject_type == "authority":
        return f"/authorities/{n.subject_id}"
    if n.subject_type == "catalogue_entry":
        return f"/catalogue/entries/{n.subject_id}"
    if n.subject_type == "sheet" and data.get("state_code") and data.get("request_type"):
        # The directory puts a sheet's key in the data (app/directory/events.py).
        sheet = f"/states/{data['state_code']}/requirements/{data['request_type']}"
        return f"{sheet}?measure={data['measure']}" if data.get("measure") else sheet
    return "/vetting/status" if n.subject_type == "user" else "/"


async def list_notifications(
    session: AsyncSession, *, actor: Actor, unread: bool, cursor: str | None, limit: int
) -> dict[str, Any]:
    """The caller's notifications, newest first, with the unread count: NotificationPage's
    fields, for the page to be written without models (app/core/responses.py)."""
    assert actor.user_id is not None
    after = decode_cursor(cursor, Key.datetime, Key.uuid)
    rows, next_cursor = page(
        await repository.page_of(
            session, actor.user_id, unread=unread, after=after, limit=limit + 1
        ),
        limit,
        key=lambda n: (n.created_at, n.id),
    )
    return {
        "items": [
            {
                "id": n.id,
                "type": n.type,
                "title": n.title,
                "subject_type": n.subject_type,
                "subject_id": n.subject_id,
                "data": n.data,
                "url": _url(n),
                "created_at": n.created_at,
                "read_at": n.read_at,
            }
            for n in rows
        ],
        "next_cursor": next_cursor,
        "unread_count": await repository.unread_count(session, actor.user_id),
    }


async def mark_read(
    session: AsyncSession,
    *,
    actor: Actor,
    ids: list[uuid.UUID] | None = None,
    everything: bool = False,
    subject: tuple[str, str] | None = None,
) -> MarkReadResult:
    """Mark the caller's notifications read: all of them (`everything` wins over `ids`),
    those of `ids` (others' ids are ignored), or those about one subject (a page marks what
    it shows)."""
    assert actor.user_id is not None
    updated = await repository.mark_read(
        session, actor.user_id, ids=None if everything else ids, subject=subject
    )
    unread = await repository.unread_count(session, actor.user_id)
    return MarkReadResult(updated=updated, unread_count=unread)


async def get_preferences(session: AsyncSession, *, actor: Actor) -> Preferences:
    """The caller's mode per notification type (defaults filled in)."""
    assert actor.user_id is not None
    stored = await session.get(NotificationPreferences, actor.user_id)
    defaults = default_modes()
    modes = defaults | {k: v for k, v in (stored.modes if stored else {}).items() if k in defaults}
    return Preferences(preferences=modes, types=descriptions(), modes=allowed_modes())


async def set_preferences(
    session: AsyncSession, *, actor: Actor, changes: dict[str, str]
) -> Preferences:
    """Change the caller's mode for some notification types."""
    assert actor.user_id is not None
    unknown = sorted(set(changes) - set(default_modes()))
    if unknown:
        raise ValidationFailed(
            errors=[
                {"field": f"preferences.{k}", "message": "unknown notification type"}
                for k in unknown
            ]
        )
    offered = allowed_modes()
    refused = sorted(k for k, mode in changes.items() if mode not in offered[k])
    if refused:
        raise ValidationFailed(
            errors=[
                {"field": f"preferences.{k}", "message": "this mode is not offered for this type"}
                for k in refused
            ]
        )
    before = (await get_preferences(session, actor=actor)).preferences
    stored = await session.get(NotificationPreferences, actor.user_id, with_for_update=True)
    merged = {**(stored.modes if stored else {}), **changes}
    await session.execute(
        insert(NotificationPreferences)
        .values(user_id=actor.user_id, modes=merged, updated_at=datetime.now(UTC))
        .on_conflict_do_update(
            index_elements=[col(NotificationPreferences.user_id)],
            set_={"modes": merged, "updated_at": datetime.now(UTC)},
        )
    )
    if stored is not None:
        await session.refresh(stored)
    defaults = default_modes()
    after = defaults | {k: v for k, v in merged.items() if k in defaults}
    await audit.record(
        session,
        actor=actor,
        action="notifications.preferences.update",
        target=Target("user", actor.user_id),
        changes=audit.diff(dict(before), after) or None,
        authority_ids=[actor.authority_id],
    )
    return Preferences(
        preferences=after,
        types=descriptions(),
    )
