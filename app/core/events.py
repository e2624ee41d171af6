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

from app.db import on_commit
from app.models.events import Event

PUBLISHED = "canet.events.published"

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
) -> Event:
    """Store `name` for `audience` in the caller's transaction; announce it after commit.

    `data` carries ids only, never content: clients fetch what they are allowed to see.
    """
    event = Event(
        name=name,
        audience_kind=audience.kind,
        audience_id=audience.id,
        data={k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in data.items()},
    )
    session.add(event)
    await session.flush()
    published: list[Event] = session.info.setdefault(PUBLISHED, [])
    if not published:
        on_commit(session, lambda: _announce(published))
    published.append(event)
    return event


def published_in(session: AsyncSession) -> list[Event]:
    """Events queued in this session's transaction so far (tests assert on these)."""
    return list(session.info.get(PUBLISHED, []))


async def _announce(events: list[Event]) -> None:
    ids = [e.id for e in events if e.id is not None]
    for announcer in list(_announcers):
        await announcer(ids)
