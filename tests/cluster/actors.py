"""Who acts in the multi-node scenario: websocket clients, writers, readiness probes.

They keep everything they see, with the time they saw it (one monotonic clock for the whole
test process), so the checks afterwards compare what happened with what the database holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

# --- websocket clients ---------------------------------------------------------------------


@dataclass
class Connection:
    node: str | None
    opened: float
    ready: float | None = None
    closed: float | None = None
    code: int | None = None
    resumed_after: int | None = None


@dataclass
class Received:
    id: int
    name: str
    data: dict[str, Any]
    at: float


class WsClient:
    """One member's socket through HAProxy: reconnects on close, resumes from the last id."""

    def __init__(self, index: int, member_id: uuid.UUID, token: str, *, case: bool) -> None:
        self.index = index
        self.member_id = member_id
        self.token = token
        self.case = case  # entitled to the case's events (else the thread's only)
        self.first_after: int | None = None  # live delivery started after this position
        self.last_id: int | None = None
        self.received: list[Received] = []
        self.connections: list[Connection] = []
        self.out_of_order: list[tuple[int, int]] = []
        self.resets: list[dict[str, Any]] = []
        self.failures: list[str] = []  # connection attempts that did not reach `ready`
        self.ready = asyncio.Event()
        self._stopping = False
        self._ws: ClientConnection | None = None

    async def run(self, url: str, deadline: float) -> None:
        backoff = 0.05
        while not self._stopping and time.monotonic() < deadline:
            count = len(self.connections)
            failure = None
            try:
                await self._one_connection(url)
            except (OSError, TimeoutError, WebSocketException) as exc:
                failure = type(exc).__name__
            served = len(self.connections) > count and self.connections[-1].ready is not None
            if served:
                # A socket that served and then broke (1006, 1011) is not a failed attempt.
                backoff = 0.05
            else:
                self.failures.append(failure or "closed before ready")
                backoff = min(backoff * 2, 1.0)
            if self._stopping:
                return
            await asyncio.sleep(backoff * (0.5 + random.random()))

    async def _one_connection(self, url: str) -> None:
        async with connect(
            url, open_timeout=5, close_timeout=2, ping_interval=None, max_queue=None
        ) as ws:
            self._ws = ws
            if self._stopping:
                return
            conn = Connection(
                node=ws.response.headers.get("X-Canet-Node") if ws.response else None,
                opened=time.monotonic(),
                resumed_after=self.last_id,
            )
            self.connections.append(conn)
            try:
                auth: dict[str, Any] = {"type": "auth", "token": self.token}
                if self.last_id is not None:
                    auth["after"] = self.last_id
                await ws.send(json.dumps(auth))
                async for raw in ws:
                    self._message(conn, json.loads(raw))
            finally:
                conn.closed = time.monotonic()
                conn.code = ws.close_code
                self._ws = None

    def _message(self, conn: Connection, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "event":
            at = time.monotonic()
            position = int(message["id"])
            if self.last_id is not None and position <= self.last_id:
                self.out_of_order.append((self.last_id, position))
            self.received.append(Received(position, message["event"], message["data"], at))
            self.last_id = position
        elif kind == "ready":
            conn.ready = time.monotonic()
            if self.first_after is None:
                self.first_after = int(message["last_id"])
            if self.last_id is None:
                # Nothing seen yet: a later connection resumes from where this one started.
                self.last_id = int(message["last_id"])
            self.ready.set()
        elif kind == "reset":
            self.resets.append(message)

    async def stop(self) -> None:
        self._stopping = True
        ws = self._ws
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()


# --- writers ---------------------------------------------------------------------------------


@dataclass
class Write:
    """One logical write: one Idempotency-Key, retried until a 2xx or its deadline."""

    writer: int
    n: int
    kind: str  # "post" | "message"
    key: str
    marker: str
    started: float
    finished: float | None = None
    status: int | None = None
    resource_id: str | None = None
    attempts: list[str] = field(default_factory=list)  # what each failed attempt got
    error: str | None = None  # an answer that is neither a 2xx nor an outage

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


RETRIED_STATUSES = {502, 503, 504}


class Writer:
    """Alternates forum replies and case messages through HAProxy."""

    def __init__(
        self,
        index: int,
        headers: dict[str, str],
        *,
        base_url: str,
        thread_id: str,
        case_id: str,
        run_id: str,
        interval: float,
        write_deadline: float,
    ) -> None:
        self.index = index
        self.headers = headers
        self.base_url = base_url
        self.thread_id = thread_id
        self.case_id = case_id
        self.run_id = run_id
        self.interval = interval
        self.write_deadline = write_deadline
        self.writes: list[Write] = []
        self.stopping = False

    async def run(self, deadline: float) -> None:
        limits = httpx.Limits(max_connections=4, max_keepalive_connections=2)
        async with httpx.AsyncClient(base_url=self.base_url, timeout=10, limits=limits) as http:
            n = 0
            while not self.stopping and time.monotonic() < deadline:
                kind = "post" if (n + self.index) % 2 == 0 else "message"
                await self._write(http, n, kind)
                n += 1
                await asyncio.sleep(self.interval * (0.5 + random.random()))

    async def _write(self, http: httpx.AsyncClient, n: int, kind: str) -> None:
        key = uuid.uuid4().hex
        marker = f"cluster {self.run_id} writer {self.index} write {n} {key[:12]}"
        write = Write(self.index, n, kind, key, marker, time.monotonic())
        self.writes.append(write)
        if kind == "post":
            path = f"/api/v1/threads/{self.thread_id}/posts"
        else:
            path = f"/api/v1/cases/{self.case_id}/messages"
        headers = self.headers | {"Idempotency-Key": key}
        give_up = write.started + self.write_deadline
        while time.monotonic() < give_up:
            try:
                response = await http.post(path, json={"body": marker}, headers=headers)
            except httpx.TransportError as exc:
                write.attempts.append(type(exc).__name__)
            else:
                if 200 <= response.status_code < 300:
                    write.finished = time.monotonic()
                    write.status = response.status_code
                    write.resource_id = str(response.json()["id"])
                    return
                write.attempts.append(str(response.status_code))
                if response.status_code not in RETRIED_STATUSES:
                    # Anything else is an answer, not an outage: a bug to report, not retry.
                    write.status = response.status_code
                    write.error = f"{response.status_code} {response.text[:300]}"
                    return
            await asyncio.sleep(0.1 + 0.1 * random.random())


# --- readiness probes ------------------------------------------------------------------------


class ReadinessProbe:
    """GET /readyz on each node directly every ~100 ms: (time, status; 0 = no answer)."""

    def __init__(self, nodes: dict[str, str]) -> None:
        self.nodes = nodes
        self.samples: dict[str, list[tuple[float, int]]] = {name: [] for name in nodes}
        self.stopping = False

    async def run(self, deadline: float) -> None:
        async with httpx.AsyncClient(timeout=1.0) as http:
            await asyncio.gather(*(self._poll(http, n, u, deadline) for n, u in self.nodes.items()))

    async def _poll(self, http: httpx.AsyncClient, name: str, url: str, deadline: float) -> None:
        while not self.stopping and time.monotonic() < deadline:
            at = time.monotonic()
            try:
                status = (await http.get(url + "/readyz")).status_code
            except httpx.HTTPError:
                status = 0
            self.samples[name].append((at, status))
            await asyncio.sleep(max(0.0, 0.1 - (time.monotonic() - at)))

    def unready_window(self, name: str, since: float) -> tuple[float, float | None] | None:
        """(first non-200 at/after `since`, first 200 after it) for one node, or None."""
        start = None
        for at, status in self.samples[name]:
            if at < since:
                continue
            if start is None and status != 200:
                start = at
            elif start is not None and status == 200:
                return start, at
        return (start, None) if start is not None else None

    def statuses_between(self, name: str, begin: float, end: float) -> set[int]:
        return {s for at, s in self.samples[name] if begin <= at <= end}
