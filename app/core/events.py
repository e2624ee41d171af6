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

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.core import event_catalog, metrics
from app.core.journal import EventRow, queue_of, queue_to_write
from app.db import on_commit

Announcer = Callable[[list[int]], Awaitable[None]]
_announcers: list[Announcer] = []

# Rows committed but not yet given their stream position (clients cannot see them yet).
# created_at is the writing transaction's start, so a long transaction adds its own length.
metrics.database_gauge(
    "canet_event_sequencing_lag_seconds",
    "Age of the oldest committed event still waiting for its stream position (0: none).",
    "SELECT extract(epoch FROM now() - min(created_at)) FROM events WHERE position IS NULL",
)


@dataclass(frozen=True, slots=True)
class Audience:
    """Who may receive an event; re-checked against current permissions at send time."""

    kind: str  # "thread" | "forum" | "case" | "user" | "moderators" | "authority"
    id: str | None = None

    @classmethod
    def of(cls, kind: str, ident: uuid.UUID | str | None = None) -> Audience:
        return cls(kind, str(ident) if ident is not None else None)


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as the table keeps it, with its stream position."""

    position: int
    name: str
    audience_kind: str
    audience_id: str | None
    data: dict[str, Any]


# The one reader of the events table: realtime catches up from it, notifications derive from
# it. Positions are handed out in commit order (canet_sequence_events), so a reader that
# keeps the last position it saw never skips an event.
_READ_AFTER = text(
    "SELECT position, name, audience_kind, audience_id, data FROM events "
    "WHERE position > :after AND position <= :upto ORDER BY position LIMIT :limit"
)
NO_UPPER_BOUND = 2**62


async def read_after(
    connection: AsyncConnection | AsyncSession,
    after: int,
    *,
    limit: int,
    upto: int | None = None,
) -> list[StoredEvent]:
    """Events with a position in (after, upto], in order, at most `limit`."""
    bounds = {"after": after, "upto": NO_UPPER_BOUND if upto is None else upto, "limit": limit}
    rows = (await connection.execute(_READ_AFTER, bounds)).all()
    return [StoredEvent(int(r[0]), r[1], r[2], r[3], dict(r[4] or {})) for r in rows]


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
    event_catalog.check(name, data, audience.kind)
    if session.new or session.dirty or session.deleted:
        # Publishing used to flush the session, and callers rely on it: an event names rows
        # they have just added (a timeline entry) and later reads in the request expect them.
        await session.flush()
    queue = queue_to_write(session.sync_session)
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
