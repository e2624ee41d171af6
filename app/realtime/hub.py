"""The per-worker fan-out hub: reads new positions from the table, hands them to clients.

One reader per worker follows the stream (woken by the listener); every connected client
gets the events its member may see, decided in one batch per audience. Each client has a
bounded queue: a client that cannot keep up is cut off instead of growing server memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import deque
from collections.abc import Callable
from typing import Protocol

from sqlalchemy import text

from app.auth.actor import Actor
from app.core import events
from app.db import Database
from app.realtime.access import AccessPolicy
from app.realtime.stream import StreamEvent

log = logging.getLogger(__name__)

FETCH_BATCH = 1000


class Subscriber(Protocol):
    actor: Actor

    def offer(self, event: StreamEvent) -> None: ...

    def end(self, code: int, reason: str) -> None: ...


async def fetch_events(
    database: Database, after: int, upto: int | None = None, limit: int = FETCH_BATCH
) -> list[StreamEvent]:
    """Events with a position in (after, upto], in order, straight from the table."""
    async with database.engine.connect() as conn:
        stored = await events.read_after(conn, after, upto=upto, limit=limit)
    return [
        StreamEvent.build(e.position, e.name, e.audience_kind, e.audience_id, e.data)
        for e in stored
    ]


async def head_position(database: Database) -> int:
    async with database.engine.connect() as conn:
        value = await conn.scalar(text("SELECT max(position) FROM events"))
    return int(value or 0)


async def pruned_through(database: Database) -> int:
    async with database.engine.connect() as conn:
        value = await conn.scalar(text("SELECT pruned_through FROM event_retention WHERE id = 1"))
    return int(value or 0)


class Hub:
    def __init__(self, database: Database, policy: AccessPolicy, *, ring_size: int) -> None:
        self.database = database
        self.policy = policy
        self.position = 0
        self.subscribers: set[Subscriber] = set()
        self.ring: deque[StreamEvent] = deque(maxlen=ring_size)
        # Called with the new head after each advance (the notifications deriver).
        self.on_advance: list[Callable[[int], None]] = []
        # Called when a `session.revoked` event passes (the session monitor re-checks).
        self.on_session_event: list[Callable[[StreamEvent], None]] = []
        self.delivered = 0
        # Long-polls waiting for the head to move: a gauge for operators, and the point a
        # test waits for before publishing, instead of sleeping.
        self.waiting = 0
        # The ring holds every event with a position above this.
        self._ring_floor = 0
        self._wake = asyncio.Event()
        self._advanced = asyncio.Event()
        self._fan_out_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        # Live from now: earlier events reach clients only through a resume.
        self.position = await head_position(self.database)
        self._ring_floor = self.position
        self._task = asyncio.create_task(self._run(), name="canet-event-hub")

    def wake(self, position: int | None = None) -> None:
        if position is None or position > self.position:
            self._wake.set()

    async def subscribe(self, subscriber: Subscriber) -> int:
        """Register for live events; returns the position live delivery starts after.

        Waits for a batch being fanned out to finish: a subscriber joining mid-batch would
        otherwise get neither that batch live nor (being past its start) in its backfill.
        """
        async with self._fan_out_lock:
            self.subscribers.add(subscriber)
            return self.position

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)

    def recent_after(self, after: int, upto: int) -> list[StreamEvent] | None:
        """Events in (after, upto] from memory, or None when memory does not reach back."""
        if after < self._ring_floor:
            return None
        return [e for e in self.ring if after < e.position <= upto]

    async def wait_beyond(self, position: int, seconds: float) -> None:
        """Return once the head passes `position`, or after `seconds`."""
        if self.position > position:
            return
        advanced = self._advanced
        self.waiting += 1
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(advanced.wait(), timeout=seconds)
        finally:
            self.waiting -= 1

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self._drain()
            except Exception:
                log.exception("event hub pass failed; retrying")
                await asyncio.sleep(0.5)
                self._wake.set()

    async def _drain(self) -> None:
        while True:
            batch = await fetch_events(self.database, self.position)
            if not batch:
                return
            async with self._fan_out_lock:
                await self._advance(batch)
            for callback in list(self.on_advance):
                callback(self.position)
            if len(batch) < FETCH_BATCH:
                return

    async def _advance(self, batch: list[StreamEvent]) -> None:
        """Offer `batch` to the subscribers, then move the head past it."""
        await self._fan_out(batch)
        overflow = len(self.ring) + len(batch) - (self.ring.maxlen or 0)
        if overflow > 0:
            if overflow <= len(self.ring):
                self._ring_floor = self.ring[overflow - 1].position
            else:
                self._ring_floor = batch[overflow - len(self.ring) - 1].position
        self.ring.extend(batch)
        self.position = batch[-1].position
        self.delivered += len(batch)
        advanced, self._advanced = self._advanced, asyncio.Event()
        advanced.set()

    async def _fan_out(self, batch: list[StreamEvent]) -> None:
        for event in batch:
            if event.name == "session.revoked":
                for callback in list(self.on_session_event):
                    callback(event)
        subscribers = list(self.subscribers)
        if not subscribers:
            return
        actors: dict[uuid.UUID, Actor] = {}
        for sub in subscribers:
            if sub.actor.user_id is not None:
                actors.setdefault(sub.actor.user_id, sub.actor)
        entitled = await self.policy.entitled((e.audience for e in batch), list(actors.values()))
        for sub in subscribers:
            user_id = sub.actor.user_id
            for event in batch:
                if user_id in entitled.get(event.audience, ()):
                    sub.offer(event)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
