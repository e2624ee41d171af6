"""One websocket client: authenticate, optionally resume, then live events until it ends.

Protocol (JSON text frames):
  client -> {"type": "auth", "token": "<access token>", "after"?: N}   (first message;
            a browser on an allowed Origin may omit the token and use its session cookie)
  client -> {"type": "resume", "after": N}   (right after auth; or put "after" in auth)
  client -> {"type": "ping"}                 server -> {"type": "pong", "last_id": N}
  server -> {"type": "ready", "last_id": N}  after auth: live events follow positions > N
  server -> {"type": "event", "id": N, "event": "<name>", "data": {...}}
  server -> {"type": "reset", "reason": "position-expired" | "position-unknown", "last_id": N}
            the resume position is gone from the retention window: reload, then go on
  server -> {"type": "ping", "last_id": N}   heartbeat on an idle socket
Close codes: 1001 server going away; 4001 authentication failed; 4003 session ended
(revoked, suspended, signed out); 4008 too slow (the bounded queue filled); 4400 protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from app.auth.actor import Actor
from app.core import metrics
from app.core.fields import INT8_MAX
from app.realtime.auth import actor_from_cookie, actor_from_token
from app.realtime.hub import fetch_events, head_position, pruned_through
from app.realtime.stream import StreamEvent

if TYPE_CHECKING:
    from app.realtime.service import RealtimeService

log = logging.getLogger(__name__)

GOING_AWAY = 1001
AUTH_FAILED = 4001
TOO_SLOW = 4008
PROTOCOL_ERROR = 4400
MAX_MESSAGE = 4096


class ProtocolError(Exception):
    """The client broke the protocol (close 4400), as opposed to failing authentication."""


def _position(value: object) -> bool:
    # A stream position is a bigint: a larger number would fail in the database.
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= INT8_MAX


def _dump(payload: dict[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"))


def origin_allowed(websocket: WebSocket, allowed: set[str]) -> bool:
    """Browsers always send Origin on websockets; other clients send none.

    A page of this server is on an allowed origin whatever name it was opened by
    (http://localhost:8000 while CANET_BASE_URL says 127.0.0.1): its Origin names the Host it
    connects to. Another site's page names its own origin, never this Host.
    """
    origin = websocket.headers.get("origin")
    if origin is None or origin.rstrip("/") in allowed:
        return True
    host = websocket.headers.get("host")
    return host is not None and urlsplit(origin).netloc.lower() == host.lower()


class Connection:
    def __init__(self, websocket: WebSocket, service: RealtimeService, actor: Actor) -> None:
        self.websocket = websocket
        self.service = service
        self.actor = actor
        self.queue: asyncio.Queue[StreamEvent | str] = asyncio.Queue(service.config.queue_size)
        self.start_position = 0
        self.sent_upto = 0
        self.ending: tuple[int, str] | None = None
        self._resume: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._sender: asyncio.Task[None] | None = None
        self._closer: asyncio.Task[None] | None = None

    # -- called by the hub and the session monitor --------------------------------------
    def offer(self, event: StreamEvent) -> None:
        if self.ending is not None:
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.end(TOO_SLOW, "too slow: event queue full")

    def end(self, code: int, reason: str) -> None:
        """Close the socket with `code` (idempotent; safe from any task)."""
        if self.ending is not None:
            return
        self.ending = (code, reason)
        self.service.hub.unsubscribe(self)
        self._closer = asyncio.create_task(self._close(code, reason))

    async def _close(self, code: int, reason: str) -> None:
        if self._sender is not None and self._sender is not asyncio.current_task():
            self._sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._sender
        if self.websocket.application_state != WebSocketState.DISCONNECTED:
            with contextlib.suppress(Exception):
                await self.websocket.close(code, reason)

    # -- the connection's own tasks -----------------------------------------------------
    async def start(self, after: int | None) -> None:
        self.start_position = await self.service.hub.subscribe(self)
        self.sent_upto = self.start_position
        if after is not None:
            self._resume.set_result(after)
        self._sender = asyncio.create_task(self._send_loop(), name="canet-ws-sender")

    def request_resume(self, after: int) -> bool:
        if self._resume.done():
            return False
        self._resume.set_result(after)
        return True

    async def _send(self, text: str) -> None:
        await self.websocket.send_text(text)

    async def _send_loop(self) -> None:
        try:
            await self._send(_dump({"type": "ready", "last_id": self.start_position}))
            after: int | None = None
            with contextlib.suppress(TimeoutError):
                after = await asyncio.wait_for(
                    asyncio.shield(self._resume), timeout=self.service.config.resume_grace_seconds
                )
            if not self._resume.done():
                self._resume.cancel()
            if after is not None:
                await self._backfill(after)
            heartbeat = self.service.config.heartbeat_seconds
            while True:
                if self.queue.empty():
                    try:
                        # asyncio.timeout, not wait_for: no extra task per message.
                        async with asyncio.timeout(heartbeat):
                            item = await self.queue.get()
                    except TimeoutError:
                        await self._send(_dump({"type": "ping", "last_id": self.sent_upto}))
                        continue
                else:
                    item = self.queue.get_nowait()
                if isinstance(item, str):
                    await self._send(item)
                elif item.position > self.sent_upto:
                    await self._send(item.message)
                    self.sent_upto = item.position
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if not isinstance(exc, WebSocketDisconnect | RuntimeError | OSError):
                log.exception("websocket sender failed")
            self.end(1011, "server error")

    async def _reset(self, reason: str, upto: int) -> None:
        await self._send(_dump({"type": "reset", "reason": reason, "last_id": upto}))
        self.sent_upto = upto

    async def _backfill(self, after: int) -> None:
        """Everything in (after, start] the member may see, then live events continue."""
        hub = self.service.hub
        database = self.service.database
        upto = self.start_position
        if after < await pruned_through(database):
            await self._reset("position-expired", upto)
            return
        if after > upto and after > await head_position(database):
            await self._reset("position-unknown", upto)
            return
        cursor = after
        while cursor < upto:
            batch = hub.recent_after(cursor, upto)
            if batch is None:
                batch = await fetch_events(database, cursor, upto)
            if not batch:
                break
            for event in await self.service.policy.visible(self.actor, batch):
                await self._send(event.message)
            cursor = batch[-1].position
        # Live events at or below what the client already has are skipped, not re-sent.
        self.sent_upto = max(upto, after)

    async def receive_loop(self) -> None:
        while True:
            raw = await self.websocket.receive_text()
            if len(raw) > MAX_MESSAGE:
                self.end(PROTOCOL_ERROR, "message too large")
                return
            try:
                message = json.loads(raw)
                kind = message.get("type")
            except (ValueError, AttributeError):
                self.end(PROTOCOL_ERROR, "messages must be JSON objects")
                return
            if kind == "ping":
                reply = _dump({"type": "pong", "last_id": self.sent_upto})
                with contextlib.suppress(asyncio.QueueFull):
                    self.queue.put_nowait(reply)
            elif kind == "resume":
                after = message.get("after")
                if not _position(after) or not self.request_resume(after):
                    self.end(PROTOCOL_ERROR, "resume only right after auth, with an integer")
                    return
            else:
                self.end(PROTOCOL_ERROR, f"unexpected message type {kind!r}")
                return


async def authenticate(websocket: WebSocket, service: RealtimeService) -> tuple[Actor, int | None]:
    """Read the first message and resolve it to a live session's actor (or raise)."""
    raw = await asyncio.wait_for(
        websocket.receive_text(), timeout=service.config.auth_timeout_seconds
    )
    if len(raw) > MAX_MESSAGE:
        raise ProtocolError("message too large")
    try:
        message = json.loads(raw)
    except ValueError as exc:
        raise ProtocolError("messages must be JSON objects") from exc
    if not isinstance(message, dict) or message.get("type") != "auth":
        raise ProtocolError("the first message must be {type: auth}")
    token = message.get("token")
    after = message.get("after")
    if after is not None and not _position(after):
        raise ProtocolError("after must be a non-negative integer")
    context = {
        "client_ip": websocket.client.host if websocket.client else None,
        "user_agent": (websocket.headers.get("user-agent") or "")[:512] or None,
        "request_id": None,
    }
    actor = None
    if isinstance(token, str) and token:
        actor = await actor_from_token(service.database, service.settings, token, context)
    elif token is None and websocket.headers.get("origin"):
        # A browser on an allowed origin (checked at the handshake) may use its session
        # cookie instead of a token: {"type": "auth"}.
        actor = await actor_from_cookie(
            service.database,
            dict(websocket.cookies),
            secure=websocket.url.scheme == "wss",
            context=context,
        )
    if actor is None:
        raise PermissionError("authentication failed")
    return actor, after


async def serve_websocket(websocket: WebSocket, service: RealtimeService) -> None:
    """The whole life of one socket."""
    if not origin_allowed(websocket, service.allowed_origins):
        await websocket.close(1008, "origin not allowed")
        return
    await websocket.accept()
    if service.stopping:
        await websocket.close(GOING_AWAY, "server going away")
        return
    try:
        actor, after = await authenticate(websocket, service)
    except WebSocketDisconnect:
        return
    except ProtocolError as exc:
        with contextlib.suppress(Exception):
            await websocket.close(PROTOCOL_ERROR, str(exc))
        return
    except (PermissionError, TimeoutError, ValueError):
        with contextlib.suppress(Exception):
            await websocket.close(AUTH_FAILED, "authentication failed")
        return
    connection = Connection(websocket, service, actor)
    service.connections.add(connection)
    metrics.websocket_opened()
    try:
        await connection.start(after)
        await connection.receive_loop()
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        metrics.websocket_closed()
        service.connections.discard(connection)
        service.hub.unsubscribe(connection)
        if connection.ending is None:
            connection.ending = (1000, "closed")
            if connection._sender is not None:
                connection._sender.cancel()
        if connection._closer is not None:
            with contextlib.suppress(Exception):
                await connection._closer
