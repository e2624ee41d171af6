"""The load of the crash scenario: writers that keep every attempt, and a long-poll reader.

Each logical write has one Idempotency-Key and is retried with it after a connection error
or a 502/503/504 until it gets a 2xx (or its deadline passes). Every attempt is kept with
when it started, how long it took and what it got, so the checks afterwards can say which
phase it fell in, whether any request hung and what a 503 carried.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import random
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.cluster.actors import Received

RETRIED_STATUSES = {502, 503, 504}
KINDS = ("post", "message", "attachment")


@dataclass
class Attempt:
    started: float
    seconds: float
    outcome: str  # the status code, or the transport error's class name
    retry_after: str | None = None
    content_type: str | None = None

    @property
    def answered(self) -> bool:
        return self.outcome.isdigit()


@dataclass
class Write:
    """One logical write: one Idempotency-Key, retried until a 2xx or its deadline."""

    writer: int
    n: int
    kind: str  # "post" | "message" | "attachment"
    key: str
    marker: str  # the post's or message's body; the attachment's file name
    started: float
    sha256: str | None = None  # attachments: the digest of the bytes sent
    size: int | None = None
    finished: float | None = None
    status: int | None = None
    resource_id: str | None = None
    answer: dict[str, Any] | None = None
    attempts: list[Attempt] = field(default_factory=list)
    error: str | None = None  # an answer that is neither a 2xx nor an outage

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def attachment_content(marker: str, size: int) -> bytes:
    """Plain text of about `size` bytes, unique to this write (its marker on the first line)."""
    body = base64.b64encode(os.urandom(size * 3 // 4)).decode()
    lines = [body[i : i + 76] for i in range(0, len(body), 76)]
    return (marker + "\n" + "\n".join(lines) + "\n").encode()


async def multipart_stream(
    boundary: str, filename: str, content: bytes, *, chunk: int, pause: float
) -> AsyncIterator[bytes]:
    """A multipart body sent in pieces, as a client streaming a file from disk would."""
    yield (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()
    for start in range(0, len(content), chunk):
        yield content[start : start + chunk]
        await asyncio.sleep(pause)
    yield f"\r\n--{boundary}--\r\n".encode()


class Writer:
    """Forum replies, case messages and streamed attachments, in turn, straight at the server."""

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
        attempt_timeout: float,
        attachment_bytes: tuple[int, int],
    ) -> None:
        self.index = index
        self.headers = headers
        self.base_url = base_url
        self.thread_id = thread_id
        self.case_id = case_id
        self.run_id = run_id
        self.interval = interval
        self.write_deadline = write_deadline
        self.attempt_timeout = attempt_timeout
        self.attachment_bytes = attachment_bytes
        self.writes: list[Write] = []
        self.stopping = False

    async def run(self, deadline: float) -> None:
        limits = httpx.Limits(max_connections=2, max_keepalive_connections=1)
        async with httpx.AsyncClient(
            base_url=self.base_url, timeout=self.attempt_timeout, limits=limits
        ) as http:
            n = 0
            while not self.stopping and time.monotonic() < deadline:
                await self._write(http, n, KINDS[(n + self.index) % len(KINDS)])
                n += 1
                await asyncio.sleep(self.interval * (0.5 + random.random()))

    async def _write(self, http: httpx.AsyncClient, n: int, kind: str) -> None:
        key = uuid.uuid4().hex
        tag = f"crash-{self.run_id}-w{self.index}-{n}-{key[:8]}"
        content = b""
        if kind == "attachment":
            marker = f"{tag}.txt"
            content = attachment_content(marker, random.randint(*self.attachment_bytes))
            write = Write(self.index, n, kind, key, marker, time.monotonic())
            write.sha256, write.size = hashlib.sha256(content).hexdigest(), len(content)
        else:
            marker = f"crash test {tag}"
            write = Write(self.index, n, kind, key, marker, time.monotonic())
        self.writes.append(write)
        give_up = write.started + self.write_deadline
        while time.monotonic() < give_up:
            begun = time.monotonic()
            try:
                response = await self._send(http, write, content)
            except httpx.TransportError as exc:
                write.attempts.append(Attempt(begun, time.monotonic() - begun, type(exc).__name__))
            else:
                write.attempts.append(
                    Attempt(
                        begun,
                        time.monotonic() - begun,
                        str(response.status_code),
                        response.headers.get("retry-after"),
                        response.headers.get("content-type"),
                    )
                )
                if 200 <= response.status_code < 300:
                    write.finished = time.monotonic()
                    write.status = response.status_code
                    write.answer = response.json()
                    write.resource_id = str(write.answer["id"])
                    return
                if response.status_code not in RETRIED_STATUSES:
                    # Anything else is an answer, not an outage: a bug to report, not retry.
                    write.status = response.status_code
                    write.error = f"{response.status_code} {response.text[:300]}"
                    return
            await asyncio.sleep(0.1 + 0.1 * random.random())

    async def _send(self, http: httpx.AsyncClient, write: Write, content: bytes) -> httpx.Response:
        headers = self.headers | {"Idempotency-Key": write.key}
        if write.kind == "post":
            path = f"/api/v1/threads/{self.thread_id}/posts"
            return await http.post(path, json={"body": write.marker}, headers=headers)
        if write.kind == "message":
            path = f"/api/v1/cases/{self.case_id}/messages"
            return await http.post(path, json={"body": write.marker}, headers=headers)
        boundary = uuid.uuid4().hex
        stream = multipart_stream(boundary, write.marker, content, chunk=32 * 1024, pause=0.002)
        return await http.post(
            f"/api/v1/cases/{self.case_id}/attachments",
            content=stream,
            headers=headers | {"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )


class LongPoller:
    """GET /events from its last id, again after every failure: the socket's fallback."""

    def __init__(self, member_id: uuid.UUID, token: str, *, case: bool, wait: float) -> None:
        self.member_id = member_id
        self.headers = {"Authorization": f"Bearer {token}"}
        self.case = case
        self.wait = wait
        self.first_after: int | None = None
        self.last_id: int | None = None
        self.received: list[Received] = []
        self.out_of_order: list[tuple[int, int]] = []
        self.failures: list[str] = []
        self.attempts: list[Attempt] = []
        self.ready = asyncio.Event()
        self.stopping = False

    async def run(self, base_url: str, deadline: float) -> None:
        async with httpx.AsyncClient(base_url=base_url, timeout=self.wait + 15) as http:
            while not self.stopping and time.monotonic() < deadline:
                params: dict[str, Any] = {"timeout": self.wait}
                if self.last_id is not None:
                    params["after"] = self.last_id
                begun = time.monotonic()
                try:
                    response = await http.get("/api/v1/events", params=params, headers=self.headers)
                except httpx.TransportError as exc:
                    self.failures.append(type(exc).__name__)
                    self.attempts.append(
                        Attempt(begun, time.monotonic() - begun, type(exc).__name__)
                    )
                    await asyncio.sleep(0.2)
                    continue
                self.attempts.append(
                    Attempt(
                        begun,
                        time.monotonic() - begun,
                        str(response.status_code),
                        response.headers.get("retry-after"),
                        response.headers.get("content-type"),
                    )
                )
                if response.status_code != 200:
                    self.failures.append(str(response.status_code))
                    await asyncio.sleep(0.2)
                    continue
                batch = response.json()
                at = time.monotonic()
                for event in batch["events"]:
                    position = int(event["id"])
                    if self.last_id is not None and position <= self.last_id:
                        self.out_of_order.append((self.last_id, position))
                    self.received.append(Received(position, event["event"], event["data"], at))
                    self.last_id = position
                if self.first_after is None:
                    self.first_after = int(batch["last_id"])
                    self.ready.set()
                self.last_id = max(self.last_id or 0, int(batch["last_id"]))
