"""The one LISTEN connection of a worker: NOTIFY wakes the hub, loss is noticed and healed.

NOTIFY on `canet_events` carries only the highest new position. The connection proves it is
alive with a ping every `probe` seconds and has the hub look at the events table every
`heartbeat` seconds; on loss it reconnects with backoff and the hub catches up from the
table, so a NOTIFY lost with the connection loses no event.

Other channels can be watched on the same connection (`watch`), with a `Watcher` told of
each payload, of each proof of life and of each loss: the actor cache (app/auth/actor_cache.py)
trusts what it remembers only while those proofs keep coming.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

import asyncpg

log = logging.getLogger(__name__)

CHANNEL = "canet_events"
APPLICATION_NAME = "canet-listener"


class Watcher(Protocol):
    def changed(self, payload: str) -> None: ...

    def proved_alive(self, since: float) -> None:
        """Every NOTIFY committed before monotonic time `since` has been delivered."""

    def distrust(self) -> None:
        """The connection is lost, or new: notifications may have been missed."""


class Listener:
    def __init__(
        self,
        url: str,
        on_position: Callable[[int | None], None],
        *,
        heartbeat: float,
        probe: float = 0.25,
    ) -> None:
        self.url = url
        self.on_position = on_position
        self.heartbeat = heartbeat
        self.probe = min(probe, heartbeat)
        self.connected = asyncio.Event()
        self.reconnects = 0
        self._watchers: dict[str, Watcher] = {}
        self._task: asyncio.Task[None] | None = None
        self._conn: asyncpg.Connection | None = None

    def watch(self, channel: str, watcher: Watcher) -> None:
        """Also LISTEN on `channel` (before `start`)."""
        self._watchers[channel] = watcher

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="canet-event-listener")

    def _notified(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        watcher = self._watchers.get(channel)
        if watcher is not None:
            watcher.changed(payload)
            return
        try:
            self.on_position(int(payload))
        except ValueError:
            self.on_position(None)

    async def _run(self) -> None:
        backoff = 0.1
        while True:
            try:
                await self._listen_until_lost()
                backoff = 0.1
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("event listener connection lost (%s); reconnecting", exc)
            self.connected.clear()
            self.reconnects += 1
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)

    async def _listen_until_lost(self) -> None:
        lost = asyncio.Event()
        conn: asyncpg.Connection = await asyncpg.connect(
            self.url, server_settings={"application_name": APPLICATION_NAME}, timeout=10
        )
        self._conn = conn
        try:
            conn.add_termination_listener(lambda _conn: lost.set())
            for channel in (CHANNEL, *self._watchers):
                await conn.add_listener(channel, self._notified)
            listening_since = time.monotonic()
            self.connected.set()
            # Whatever was announced while we were not listening is read from the table,
            # and forgotten by the watchers, which may trust this connection from now on.
            self.on_position(None)
            for watcher in self._watchers.values():
                watcher.distrust()
                watcher.proved_alive(listening_since)
            looked = time.monotonic()
            while not lost.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), timeout=self.probe)
                    break
                sent = time.monotonic()
                await asyncio.wait_for(conn.fetchval("SELECT 1"), timeout=self.heartbeat)
                for watcher in self._watchers.values():
                    watcher.proved_alive(sent)
                if time.monotonic() - looked >= self.heartbeat:
                    # Belt and braces: a periodic look at the table costs one index probe.
                    looked = time.monotonic()
                    self.on_position(None)
            raise ConnectionError("listening connection closed")
        finally:
            for watcher in self._watchers.values():
                watcher.distrust()
            self._conn = None
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), timeout=1)
            if not conn.is_closed():
                conn.terminate()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
