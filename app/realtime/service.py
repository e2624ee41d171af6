"""The realtime machinery of one worker process, started and stopped with the app.

sequencer (numbers committed events) -> NOTIFY -> listener (one connection per worker)
-> hub (reads the table, fans out) -> websocket connections and long-polls.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI
from sqlalchemy import text

from app.auth.actor_cache import CHANNEL as ACTOR_CHANNEL
from app.auth.actor_cache import ActorCache
from app.config import Settings
from app.db import Database
from app.realtime.access import AccessPolicy
from app.realtime.auth import SessionMonitor
from app.realtime.config import RealtimeSettings
from app.realtime.hub import Hub
from app.realtime.listener import Listener
from app.realtime.sequencer import Sequencer

log = logging.getLogger(__name__)

PRUNE_LOCK = 7_201_002
# How long a SIGTERM waits for the sockets' 1001 frames before the server shuts down.
GOING_AWAY_SECONDS = 2.0
_PRUNE = text(
    """
    WITH cut AS (
        SELECT max(position) AS through FROM events
        WHERE created_at < now() - make_interval(secs => :seconds)
    ), gone AS (
        DELETE FROM events WHERE position <= (SELECT through FROM cut) RETURNING position
    )
    INSERT INTO event_retention (id, pruned_through, pruned_at)
    SELECT 1, max(position), now() FROM gone HAVING count(*) > 0
    ON CONFLICT (id) DO UPDATE SET
        pruned_through = greatest(event_retention.pruned_through, excluded.pruned_through),
        pruned_at = excluded.pruned_at
    """
)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


async def prune_events(database: Database, retention: timedelta) -> None:
    """Delete events older than the retention window (one worker at a time)."""
    async with database.engine.begin() as conn:
        if await conn.scalar(text(f"SELECT pg_try_advisory_xact_lock({PRUNE_LOCK})")):
            await conn.execute(_PRUNE, {"seconds": retention.total_seconds()})


class RealtimeService:
    def __init__(
        self,
        database: Database,
        settings: Settings,
        config: RealtimeSettings,
        *,
        actor_cache: ActorCache | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.config = config
        self.policy = AccessPolicy(database)
        self.hub = Hub(database, self.policy, ring_size=config.ring_size)
        self.sequencer = Sequencer(database, sweep_seconds=config.sweep_seconds)
        self.listener = Listener(
            database.url, self.hub.wake, heartbeat=config.listener_heartbeat_seconds
        )
        if actor_cache is not None:
            self.listener.watch(ACTOR_CHANNEL, actor_cache)
        self.monitor = SessionMonitor(database, self.hub, interval=config.recheck_seconds)
        self.connections: set[Any] = set()
        self.stopping = False
        self.allowed_origins = {_origin(settings.base_url)} | {
            o.rstrip("/") for o in settings.cors_origins
        }
        self._pruner: asyncio.Task[None] | None = None
        self._previous_sigterm: Any = None
        self._going_away: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.hub.start()
        self.listener.start()
        self.sequencer.start()
        self.monitor.start()
        self._pruner = asyncio.create_task(self._prune_loop(), name="canet-event-pruner")
        self._chain_sigterm()

    async def _prune_loop(self) -> None:
        retention = timedelta(days=self.config.retention_days)
        while True:
            try:
                await prune_events(self.database, retention)
            except Exception:
                log.exception("event retention pass failed")
            await asyncio.sleep(self.config.prune_every_seconds)

    def _chain_sigterm(self) -> None:
        # uvicorn closes open sockets with 1012 when it shuts down, before the lifespan
        # shutdown runs; say 1001 "going away" first, then let uvicorn do its part.
        with contextlib.suppress(ValueError):  # not the main thread: nothing to chain
            previous = signal.getsignal(signal.SIGTERM)
            if not callable(previous):
                return
            loop = asyncio.get_running_loop()

            def on_sigterm(signum: int, frame: Any) -> None:
                loop.call_soon_threadsafe(self._on_sigterm, lambda: previous(signum, frame))

            signal.signal(signal.SIGTERM, on_sigterm)
            self._previous_sigterm = previous

    def _on_sigterm(self, then: Callable[[], object]) -> None:
        self._going_away = asyncio.create_task(self.go_away_then(then))

    async def go_away_then(self, then: Callable[[], object]) -> None:
        """Close every socket with 1001, and only once those frames are out call `then`.

        `then` is uvicorn's own SIGTERM handler: its shutdown closes every socket still open
        with 1012. Called at once (as it was), it won that race on a busy worker and clients
        saw 1012 instead of 1001. The wait is bounded: a client that never reads its socket
        does not hold the shutdown back.
        """
        closers = self.go_away()
        if closers:
            await asyncio.wait(closers, timeout=GOING_AWAY_SECONDS)
        then()

    def go_away(self) -> list[asyncio.Task[None]]:
        """Close every socket with 1001: the server is shutting down. Returns the closings."""
        self.stopping = True
        closers = []
        for connection in list(self.connections):
            connection.end(1001, "server going away")
            if connection._closer is not None:
                closers.append(connection._closer)
        return closers

    async def stop(self) -> None:
        self.go_away()
        if self._previous_sigterm is not None:
            with contextlib.suppress(ValueError):
                signal.signal(signal.SIGTERM, self._previous_sigterm)
        await asyncio.sleep(0)
        for connection in list(self.connections):
            if connection._closer is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(connection._closer, timeout=2)
        if self._pruner is not None:
            self._pruner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pruner
        await self.monitor.stop()
        await self.sequencer.stop()
        await self.listener.stop()
        await self.hub.stop()


async def start_realtime(app: FastAPI) -> RealtimeService:
    """The STARTERS entry: one realtime service per worker process."""
    config: RealtimeSettings = getattr(app.state, "realtime_settings", None) or RealtimeSettings()
    service = RealtimeService(
        app.state.db,
        app.state.settings,
        config,
        actor_cache=getattr(app.state, "actor_cache", None),
    )
    await service.start()
    app.state.realtime = service
    return service
