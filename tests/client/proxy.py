"""A TCP proxy in front of a real server, in a thread of its own, that breaks things on cue.

Real sockets only: the client under test connects to the proxy, the proxy to `canet serve`.
The test can cut every open connection (a network failure mid-stream), refuse websocket
upgrades (a proxy that does not speak websockets), lose the answer to a request after the
server processed it (the response never arrives), or answer 503 before the server sees it.
Runs its own event loop in a thread, so blocking (sync) clients can use it too.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from tests.servers import free_port

Match = Callable[[bytes], bool]


class Proxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.refuse_websocket = False
        self._lose_answers: list[Match] = []
        self._answer_503: list[tuple[Match, str]] = []
        self.lost_answers = 0
        self.answered_503 = 0
        self.connections = 0
        self.websocket_upgrades = 0
        self._writers: set[asyncio.StreamWriter] = set()
        self._websockets: set[asyncio.StreamWriter] = set()  # the client side of each
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.AbstractServer | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    # -- life ------------------------------------------------------------------------------
    def start(self) -> Proxy:
        self._thread.start()
        self._call(self._start())
        return self

    def stop(self) -> None:
        self._call(self._stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def _call(self, coro: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result(timeout=10)

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
        await self._sever()

    # -- what the test asks for -------------------------------------------------------------
    def sever(self) -> int:
        """Cut every open connection, both ways, now; how many open websockets it cut (a
        client may have read ahead of the test and already be between connections)."""
        cut: int = self._call(self._sever())
        return cut

    def lose_answer(self, match: Match) -> None:
        """The next request matching `match` reaches the server; its answer is lost."""
        self._lose_answers.append(match)

    def answer_503(self, match: Match, retry_after: str = "0") -> None:
        """The next request matching `match` gets 503 (Retry-After) from the proxy itself."""
        self._answer_503.append((match, retry_after))

    # -- the proxying ------------------------------------------------------------------------
    async def _sever(self) -> int:
        open_websockets = sum(1 for w in self._websockets if not w.transport.is_closing())
        for writer in list(self._writers):
            with contextlib.suppress(Exception):
                writer.transport.abort()
        self._writers.clear()
        self._websockets.clear()
        return open_websockets

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(client_w)
        try:
            first = await client_r.read(65536)
        except ConnectionError:
            first = b""
        if not first:
            client_w.close()
            return
        if first.startswith(b"GET /api/v1/ws"):
            if self.refuse_websocket:
                client_w.write(
                    b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                )
                with contextlib.suppress(Exception):
                    await client_w.drain()
                client_w.close()
                return
            self.websocket_upgrades += 1
            self._websockets.add(client_w)
        for index, (match, retry_after) in enumerate(self._answer_503):
            if match(first):
                del self._answer_503[index]
                self.answered_503 += 1
                client_w.write(
                    b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/problem+json"
                    + f"\r\nretry-after: {retry_after}\r\ncontent-length: 2\r\n".encode()
                    + b"connection: close\r\n\r\n{}"
                )
                with contextlib.suppress(Exception):
                    await client_w.drain()
                client_w.close()
                return
        lose = False
        for index, match in enumerate(self._lose_answers):
            if match(first):
                del self._lose_answers[index]
                lose = True
                break
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            client_w.transport.abort()
            return
        self._writers.add(server_w)
        server_w.write(first)

        async def pipe(
            reader: asyncio.StreamReader, writer: asyncio.StreamWriter, up: bool
        ) -> None:
            try:
                while data := await reader.read(65536):
                    if not up and lose:
                        # The server answered: the request was processed. Lose the answer.
                        self.lost_answers += 1
                        client_w.transport.abort()
                        server_w.transport.abort()
                        return
                    writer.write(data)
                    await writer.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                # One side ended: end the other (the data written was drained already).
                with contextlib.suppress(Exception):
                    writer.transport.abort()

        await asyncio.gather(
            pipe(client_r, server_w, True), pipe(server_r, client_w, False), return_exceptions=True
        )
        self._writers.discard(client_w)
        self._writers.discard(server_w)
