"""On SIGTERM every socket is told 1001 ("going away") before the server starts shutting down.

uvicorn's own SIGTERM handler begins a shutdown that closes every socket still open with 1012.
The realtime service used to schedule its 1001s and call that handler at once: on a busy
worker the shutdown won the race and clients saw 1012 (found with three nodes rolled under
load, tests/cluster). Now the handler is called only once the 1001 frames are out.
"""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.websockets import WebSocketState

from app.realtime.service import RealtimeService
from tests.factories import make_member
from tests.realtime.conftest import ws_client


async def test_uvicorns_shutdown_starts_only_after_every_socket_was_told_1001(
    live_url: str, realtime: RealtimeService, session: AsyncSession
) -> None:
    members = [await make_member(session) for _ in range(20)]
    await session.commit()
    ids = {m.id for m in members}
    seen_by_shutdown: list[list[WebSocketState]] = []
    async with asyncio.timeout(30):
        clients = [ws_client(live_url, m.token) for m in members]
        opened = [await c.__aenter__() for c in clients]
        try:
            ours = [c for c in realtime.connections if c.actor.user_id in ids]
            assert len(ours) == len(members)

            def uvicorns_handler() -> None:
                # What uvicorn's shutdown would find: a socket not yet closed gets 1012.
                seen_by_shutdown.append([c.websocket.application_state for c in ours])

            await realtime.go_away_then(uvicorns_handler)
            assert seen_by_shutdown == [[WebSocketState.DISCONNECTED] * len(ours)]
            for client in opened:
                assert await client.closed_with(timeout=5) == 1001
        finally:
            realtime.stopping = False  # the session's server goes on serving other tests
            for c in clients:
                await c.__aexit__(None, None, None)
