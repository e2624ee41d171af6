"""An event read just before the database went away is delivered once it is back, not dropped.

The hub reads a batch of events, then asks the access policy who may receive them. When the
database became unreachable between the two (a restart, a failover), the policy used to treat
the connection error like a broken check: it withheld the batch from everyone ("fail closed")
and the hub moved past it, so connected clients never heard of those events.
"""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import Iterable

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.core.events import Audience
from app.db import Database, database_unavailable
from app.realtime.access import AccessPolicy
from app.realtime.hub import Hub
from app.realtime.sequencer import sequence_pending
from app.realtime.stream import Audience as StreamAudience
from app.realtime.stream import StreamEvent
from tests.factories import make_forum, make_member
from tests.realtime.conftest import publish


def _nowhere() -> Database:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return Database(f"postgresql://postgres@127.0.0.1:{port}/canet", pool_size=1, max_overflow=0)


class Listening:
    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self.events: list[StreamEvent] = []

    def offer(self, event: StreamEvent) -> None:
        self.events.append(event)

    def end(self, code: int, reason: str) -> None:
        raise AssertionError(f"ended with {code} {reason}")


class DownThenBack(AccessPolicy):
    """The database is unreachable for the first access check, reachable afterwards."""

    def __init__(self, down: Database, back: Database) -> None:
        super().__init__(down)
        self.back = back
        self.checks = 0

    async def entitled(
        self, audiences: Iterable[StreamAudience], actors: list[Actor]
    ) -> dict[StreamAudience, set[uuid.UUID]]:
        self.checks += 1
        try:
            return await super().entitled(audiences, actors)
        finally:
            self.database = self.back


async def test_an_unreachable_database_is_raised_not_taken_for_a_refusal(
    session: AsyncSession,
) -> None:
    member = await make_member(session)
    forum = await make_forum(session)
    await session.commit()
    nowhere = _nowhere()
    try:
        with pytest.raises(Exception) as raised:
            await AccessPolicy(nowhere).entitled([("forum", str(forum.id))], [member.actor])
        assert database_unavailable(raised.value)
    finally:
        await nowhere.dispose()


async def test_events_read_before_the_database_went_away_reach_clients_after(
    db: Database, session: AsyncSession
) -> None:
    member = await make_member(session)
    forum = await make_forum(session)
    await session.commit()
    nowhere = _nowhere()
    policy = DownThenBack(nowhere, db)
    hub = Hub(db, policy, ring_size=100)
    await hub.start()
    listener = Listening(member.actor)
    await hub.subscribe(listener)
    try:
        [event_id] = await publish(db, "forum.test", {}, Audience.of("forum", forum.id))
        await sequence_pending(db)
        async with db.engine.connect() as conn:
            position = await conn.scalar(
                text("SELECT position FROM events WHERE id = :id"), {"id": event_id}
            )
        assert position is not None
        hub.wake()
        deadline = time.monotonic() + 10
        while hub.position < position and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert hub.position >= position, "the hub never got past the event"
        assert policy.checks >= 2  # the check that met the outage, then one that did not
        assert [e.position for e in listener.events] == [position]
    finally:
        await hub.stop()
        await nowhere.dispose()
