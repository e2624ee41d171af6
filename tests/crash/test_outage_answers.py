"""An upload that meets a database outage gets its 503 over a real socket, not a reset.

The 503 is sent before the upload's body has been read (the caller's session is checked
first). It used to carry `Connection: close`: the server then closed a socket with the
client's bytes still arriving, the kernel answered them with a reset, and the reset took
the 503 with it: the crash scenario's uploads saw a ReadError for every 503 during a
database restart, never the answer and its Retry-After. Over ASGITransport there is no
socket, so this runs a real uvicorn server in the test's loop.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
import uvicorn

from app.auth.tokens import issue_access_token
from app.config import Settings
from app.db import Database
from app.main import create_app
from tests.factories import TEST_SECRET_KEY


def _unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Answered(logging.Handler):
    """Set once the server has logged its 503 (it has been sent by then)."""

    def __init__(self) -> None:
        super().__init__()
        self.event = asyncio.Event()
        self.loop = asyncio.get_running_loop()

    def emit(self, record: logging.LogRecord) -> None:
        if "database unavailable" in record.getMessage():
            self.loop.call_soon_threadsafe(self.event.set)


@pytest.fixture
async def unreachable_database_server(settings: Settings, db: Database) -> AsyncIterator[str]:
    # `db` (the suite's) is set up first so the isolation fixture can clean up with it.
    nowhere = Database(f"postgresql://postgres@127.0.0.1:{_unused_port()}/canet")
    app = create_app(settings, database=nowhere)
    app.state.db = nowhere  # no lifespan: only the request path
    port = _unused_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, lifespan="off", log_config=None, access_log=False
        )
    )
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not task.done(), "the server did not start"
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        await nowhere.dispose()


async def test_an_upload_during_an_outage_is_answered_503_with_retry_after(
    unreachable_database_server: str,
) -> None:
    token, _ = issue_access_token(
        TEST_SECRET_KEY, user_id=uuid.uuid4(), session_id=uuid.uuid4(), ttl=timedelta(minutes=5)
    )
    answered = _Answered()
    access = logging.getLogger("canet.access")
    access.addHandler(answered)
    boundary = uuid.uuid4().hex

    async def body() -> AsyncIterator[bytes]:
        yield (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="statement.txt"\r\n'
            "Content-Type: text/plain\r\n\r\n"
        ).encode()
        yield b"Statement of the account holder.\n" * 2000
        # The server has answered (and, before the fix, closed): the rest keeps coming.
        await asyncio.wait_for(answered.event.wait(), 30)
        for _ in range(16):
            yield b"Statement of the account holder.\n" * 2000
        yield f"\r\n--{boundary}--\r\n".encode()

    try:
        async with httpx.AsyncClient(base_url=unreachable_database_server, timeout=30) as http:
            response = await http.post(
                f"/api/v1/cases/{uuid.uuid4()}/attachments",
                content=body(),
                headers={
                    "Authorization": f"Bearer {token}",
                    "Content-Type": f"multipart/form-data; boundary={boundary}",
                },
            )
            assert response.status_code == 503, response.text
            assert response.headers["retry-after"] == "5"
            assert response.json()["type"] == "urn:canet:problem:database-unavailable"
            # The connection is still good: the rest of the body was read and dropped.
            again = await http.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            assert again.status_code == 503
    finally:
        access.removeHandler(answered)
