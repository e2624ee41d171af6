"""Realtime test harness: the app served by a real uvicorn in the test loop, socket clients."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection, connect

from app.core import event_catalog, events, journal
from app.core.events import Audience
from app.db import Database
from app.realtime.service import RealtimeService
from tests.servers import free_port


@pytest.fixture(autouse=True)
def synthetic_events(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests carry made-up events ("ping.test", barriers) to test delivery itself, not
    the catalogue of events (which the domains' tests check strictly)."""
    monkeypatch.setattr(event_catalog, "strict", False)


@pytest.fixture(scope="session")
async def live_url(app: FastAPI) -> AsyncIterator[str]:
    """ws://host:port of the test app served over real sockets (lifespan already running)."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    yield f"ws://127.0.0.1:{port}/api/v1/ws"
    server.should_exit = True
    with contextlib.suppress(Exception):
        await asyncio.wait_for(task, timeout=5)


@pytest.fixture
def realtime(app: FastAPI) -> RealtimeService:
    service: RealtimeService = app.state.realtime
    return service


@pytest.fixture(autouse=True)
def _restore_realtime_config(app: FastAPI) -> Any:
    service: RealtimeService | None = getattr(app.state, "realtime", None)
    if service is None:
        yield
        return
    saved = service.config.model_copy()
    yield
    service.config = saved


BARRIER = "test.barrier"


class Client:
    """A socket client that keeps every message it receives."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.ready: dict[str, Any] = {}

    async def next(self, timeout: float = 5.0) -> dict[str, Any]:
        return dict(json.loads(await asyncio.wait_for(self.ws.recv(), timeout=timeout)))

    async def next_event(self, timeout: float = 5.0) -> dict[str, Any]:
        while True:
            message = await self.next(timeout)
            if message["type"] == "event":
                return message

    async def events(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        return [await self.next_event(timeout) for _ in range(count)]

    async def nothing_before_barrier(
        self, db: Database, user_id: uuid.UUID, *, but: tuple[str, ...] = ()
    ) -> None:
        """Assert that no event (other than those named in `but`) reached this client.

        A deterministic barrier instead of a quiet period: a marker event is published to
        this member alone, after everything the test published before; a client receives
        events in position order, so whatever it was sent before comes before the marker.
        """
        await publish(db, BARRIER, {}, Audience.of("user", user_id))
        while True:
            message = await self.next_event()
            if message["event"] == BARRIER:
                return
            assert message["event"] in but, message

    async def closed_with(self, timeout: float = 5.0) -> int | None:
        with contextlib.suppress(Exception):
            while True:
                await asyncio.wait_for(self.ws.recv(), timeout=timeout)
        return self.ws.close_code


@contextlib.asynccontextmanager
async def ws_client(
    url: str, token: str | None, *, after: int | None = None, **kwargs: Any
) -> AsyncIterator[Client]:
    async with connect(url, open_timeout=5, **kwargs) as ws:
        client = Client(ws)
        if token is not None:
            auth: dict[str, Any] = {"type": "auth", "token": token}
            if after is not None:
                auth["after"] = after
            await ws.send(json.dumps(auth))
            client.ready = await client.next()
            assert client.ready["type"] == "ready", client.ready
        yield client


async def publish(
    db: Database, name: str, data: dict[str, Any], audience: Audience, count: int = 1
) -> list[int]:
    """Publish `count` events in one committed transaction; returns their row ids."""
    async with db.transaction() as session:
        for _ in range(count):
            await events.publish(session, name, dict(data), audience=audience)
        ids = await journal.flush(session)
    assert len(ids) == count
    return ids
