"""Domain events: stored with the change that caused them, announced after commit.

`publish()` adds the event row to the caller's transaction, so an event exists exactly when
its change does. Delivery (LISTEN/NOTIFY, websockets, long-poll) belongs to the realtime
domain, which installs an announcer; this module knows nothing of it.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.journal import EventRow, queue_of
from app.db import on_commit

Announcer = Callable[[list[int]], Awaitable[None]]
_announcers: list[Announcer] = []


@dataclass(frozen=True, slots=True)
class Audience:
    """Who may receive an event; re-checked against current permissions at send time."""

    kind: str  # "thread" | "forum" | "case" | "user" | "moderators" | "authority"
    id: str | None = None

    @classmethod
    def of(cls, kind: str, ident: uuid.UUID | str | None = None) -> Audience:
        return cls(kind, str(ident) if ident is not None else None)


def install_announcer(announcer: Announcer) -> None:
    if announcer not in _announcers:
        _announcers.append(announcer)


def remove_announcer(announcer: Announcer) -> None:
    if announcer in _announcers:
        _announcers.remove(announcer)


async def publish(
    session: AsyncSession, name: str, data: dict[str, Any], *, audience: Audience
) -> None:
    """Store `name` for `audience` with the caller's transaction; announce it after commit.

    The row is written as the transaction commits (app/core/journal.py), so an event exists
    exactly when its change does. `data` carries ids only, never content: clients fetch what
    they are allowed to see.
    """
    if session.new or session.dirty or session.deleted:
        # Publishing used to flush the session, and callers rely on it: an event names rows
        # they have just added (a timeline entry) and later reads in the request expect them.
        await session.flush()
    queue = queue_of(session.sync_session)
    if not queue.announcing:
        queue.announcing = True
        on_commit(session, lambda: _announce(session))
    queue.events.append(
        EventRow(
            name=name,
            audience_kind=audience.kind,
            audience_id=audience.id,
            data={k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in data.items()},
        )
    )


def published_in(session: AsyncSession) -> list[EventRow]:
    """Events queued in this session's transaction and not yet written (tests use this)."""
    return list(queue_of(session.sync_session).events)


async def _announce(session: AsyncSession) -> None:
    queue = queue_of(session.sync_session)
    queue.announcing = False
    ids, queue.written_event_ids = queue.written_event_ids, []
    if not ids:
        return
    for announcer in list(_announcers):
        await announcer(ids)
