"""The one LISTEN connection of a worker: NOTIFY wakes the hub, loss is noticed and healed.

NOTIFY carries only the highest new position. The connection proves it is alive with a
query every `heartbeat` seconds; on loss it reconnects with backoff and the hub catches up
from the events table, so a NOTIFY lost with the connection loses no event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import asyncpg

log = logging.getLogger(__name__)

CHANNEL = "canet_events"
APPLICATION_NAME = "canet-listener"


class Listener:
    def __init__(
        self, url: str, on_position: Callable[[int | None], None], *, heartbeat: float
    ) -> None:
        self.url = url
        self.on_position = on_position
        self.heartbeat = heartbeat
        self.connected = asyncio.Event()
        self.reconnects = 0
        self._task: asyncio.Task[None] | None = None
        self._conn: asyncpg.Connection | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="canet-event-listener")

    def _notified(self, conn: Any, pid: int, channel: str, payload: str) -> None:
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
            await conn.add_listener(CHANNEL, self._notified)
            self.connected.set()
            # Whatever was announced while we were not listening is read from the table.
            self.on_position(None)
            while not lost.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), timeout=self.heartbeat)
                    break
                await asyncio.wait_for(conn.fetchval("SELECT 1"), timeout=self.heartbeat)
                # Belt and braces: a periodic look at the table costs one index probe.
                self.on_position(None)
            raise ConnectionError("listening connection closed")
        finally:
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
