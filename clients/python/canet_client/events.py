"""The event stream: the websocket with resume, falling back to long-poll; each event once.

The server numbers every event with a stream position (`id`) and lets a client resume after
the last position it has: the socket's `auth` message carries `after`, the long-poll its
`after` parameter. `EventStream` remembers the last position it handed out and resumes from
it on every reconnect; anything at or below it (a backfill overlapping what was delivered)
is dropped, so a consumer sees each event once, in order, whatever breaks in between.

If the socket cannot be opened (a proxy refuses the upgrade, or it keeps failing before the
server says `ready`), the stream long-polls `GET /events` from the same position and tries
the socket again now and then. If the position fell out of the server's retention window,
the stream yields one `stream.reset` event (its `id` the position it jumped to): whoever
mirrors state should reload it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from websockets.asyncio.client import connect
from websockets.exceptions import (
    ConnectionClosed,
    InvalidHandshake,
    InvalidMessage,
    InvalidStatus,
)

from canet_client._common import EventCursor
from canet_client.errors import CanetError, Gone, ServerError, TransportError, Unauthorized
from canet_client.models import Event

if TYPE_CHECKING:
    from canet_client.aio import AsyncCanetClient

# Close codes of canet's socket (app/realtime/connection.py).
AUTH_FAILED = 4001
SESSION_ENDED = 4003
PROTOCOL_ERROR = 4400
POLICY_VIOLATION = 1008


class _SocketRefused(Exception):
    """The socket is not available here: use long-poll."""


class _ReAuthenticate(Exception):
    def __init__(self, token: str) -> None:
        self.token = token


class EventStream:
    """`async for event in stream:` -- see the module's description."""

    def __init__(
        self,
        client: AsyncCanetClient,
        after: int | None = None,
        *,
        websocket: bool = True,
        poll_timeout: float = 25.0,
        websocket_retry_seconds: float = 60.0,
        max_backoff: float = 10.0,
    ) -> None:
        self.client = client
        self.cursor = EventCursor(after)
        self.use_websocket = websocket
        self.poll_timeout = poll_timeout
        self.websocket_retry_seconds = websocket_retry_seconds
        self.max_backoff = max_backoff
        # What happened so far, for logs and tests: connections opened, by transport.
        self.connections = {"websocket": 0, "poll": 0}
        self.transport = "websocket" if websocket else "poll"

    @property
    def last_id(self) -> int | None:
        """The position of the last event handed out (resume from here next time)."""
        return self.cursor.last_id

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._events()

    def _backoff(self, failures: int) -> float:
        return random.uniform(0, min(self.max_backoff, 0.2 * 2 ** min(failures, 8)))

    async def _events(self) -> AsyncIterator[Event]:
        failures = 0
        stale: str | None = None
        socket_failures = 0
        polling_since = 0.0
        while True:
            if self.transport == "websocket":
                try:
                    async for event in self._socket(stale):
                        failures = socket_failures = 0
                        yield event
                    stale = None
                    failures = socket_failures = 0
                except _ReAuthenticate as again:
                    if stale == again.token:
                        raise Unauthorized(
                            "The event socket refused the renewed token.", status=401
                        ) from None
                    stale = again.token
                    continue
                except _SocketRefused:
                    self.transport, polling_since = "poll", time.monotonic()
                    continue
                except (OSError, ConnectionClosed, TimeoutError, InvalidMessage):
                    failures += 1
                    socket_failures += 1
                    if socket_failures >= 3:
                        self.transport, polling_since = "poll", time.monotonic()
                        continue
                except (TransportError, ServerError):
                    failures += 1
                await asyncio.sleep(self._backoff(failures))
            else:
                try:
                    async for event in self._poll_once():
                        yield event
                    failures = 0
                except Gone as exc:
                    yield self.cursor.reset(int(exc.extra.get("last_id", 0)), exc.code)
                    continue
                except (TransportError, ServerError):
                    failures += 1
                    await asyncio.sleep(self._backoff(failures))
                if (
                    self.use_websocket
                    and time.monotonic() - polling_since >= self.websocket_retry_seconds
                ):
                    self.transport, socket_failures = "websocket", 0

    async def _poll_once(self) -> AsyncIterator[Event]:
        if self.cursor.last_id is None:
            self.cursor.advance((await self.client.events.poll(None, 0)).last_id)
        batch = await self.client.events.poll(self.cursor.last_id, self.poll_timeout)
        self.connections["poll"] += 1
        for event in batch.events:
            if self.cursor.accept(event):
                yield event
        self.cursor.advance(batch.last_id)

    async def _socket(self, stale: str | None) -> AsyncIterator[Event]:
        token = await self.client.access_token(stale)
        try:
            ws_context = connect(
                self.client.websocket_url,
                open_timeout=10,
                close_timeout=2,
                max_size=2**20,
                user_agent_header="canet-client/0.1",
            )
            ws = await ws_context.__aenter__()
        except InvalidMessage:
            raise  # no valid answer (a connection cut during the handshake): try again
        except (InvalidStatus, InvalidHandshake) as exc:
            raise _SocketRefused(str(exc)) from exc
        try:
            auth: dict[str, Any] = {"type": "auth", "token": token}
            if self.cursor.last_id is not None:
                auth["after"] = self.cursor.last_id
            await ws.send(json.dumps(auth))
            try:
                ready = json.loads(await asyncio.wait_for(ws.recv(), timeout=15))
            except ConnectionClosed:
                self._check_close(ws.close_code, token)
                raise
            if ready.get("type") != "ready":
                raise CanetError(f"unexpected first message on the event socket: {ready!r}")
            self.connections["websocket"] += 1
            if self.cursor.last_id is None:
                self.cursor.advance(ready.get("last_id"))  # live from now on
            try:
                async for raw in ws:
                    message = json.loads(raw)
                    kind = message.get("type")
                    if kind == "event":
                        event = Event.from_dict(message)
                        if self.cursor.accept(event):
                            yield event
                    elif kind in ("ping", "pong"):
                        # Everything up to last_id that is for us was sent before this.
                        self.cursor.advance(message.get("last_id"))
                    elif kind == "reset":
                        yield self.cursor.reset(
                            int(message.get("last_id", 0)), str(message.get("reason"))
                        )
            except ConnectionClosed:
                pass
            self._check_close(ws.close_code, token)
            if ws.close_code in (None, 1000, 1001, 1006, 1011, 1012, 1013, 4008):
                return  # ended or the server is going away: the caller reconnects
            raise CanetError(
                f"the event socket was closed with {ws.close_code} ({ws.close_reason})"
            )
        finally:
            with contextlib.suppress(Exception):
                await ws_context.__aexit__(None, None, None)

    def _check_close(self, code: int | None, token: str) -> None:
        if code in (AUTH_FAILED, SESSION_ENDED):
            raise _ReAuthenticate(token)
        if code in (PROTOCOL_ERROR, POLICY_VIOLATION):
            raise CanetError(f"the event socket refused this client (close code {code})")
