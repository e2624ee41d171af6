"""While PostgreSQL is down or restarting, requests answer 503 with Retry-After, then recover.

Each test gives the app a Database of its own, so the connections it breaks are not those
other tests share.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from app import migrate
from app.config import Settings
from app.core.embedded_pg import EmbeddedPostgres
from app.db import Database, database_unavailable, plain_url
from app.main import create_app
from tests.factories import Member, make_member


def _app(settings: Settings, database: Database) -> FastAPI:
    app = create_app(settings, database=database)
    # No lifespan (background tasks would need the database too): only the request path.
    app.state.db = database
    return app


@pytest.fixture
async def own_database(database_url: str, db: Database) -> AsyncIterator[Database]:
    # `db` (session-wide) is set up first so the isolation fixture can clean up with it.
    database = Database(database_url, pool_size=1, max_overflow=0)
    yield database
    await database.dispose()


async def _member(database: Database) -> Member:
    async with database.sessionmaker() as session:
        member = await make_member(session)
        await session.commit()
    return member


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "5"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"]
    body = response.json()
    assert body["type"] == "urn:canet:problem:database-unavailable"
    assert body["status"] == 503
    assert body["request_id"] == response.headers["x-request-id"]


def _unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_no_database_listening_is_503_with_retry_after(
    settings: Settings, own_database: Database
) -> None:
    member = await _member(own_database)  # a valid token; its check needs the database
    nowhere = Database(f"postgresql://postgres@127.0.0.1:{_unused_port()}/canet")
    try:
        async with _client(_app(settings, nowhere)) as client:
            assert_unavailable(await client.get("/api/v1/me", headers=member.headers))
            assert_unavailable(await client.get("/api/v1/forums", headers=member.headers))
            # The readiness probe keeps its own answer.
            assert (await client.get("/readyz")).json()["type"] == "urn:canet:problem:not-ready"
    finally:
        await nowhere.dispose()


async def _cut_pooled_connection(database: Database, database_url: str) -> int:
    """End the server side of a connection idle in the pool, as a restart does to all."""
    async with database.engine.connect() as connection:
        pid = int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())
    admin = await asyncpg.connect(plain_url(database_url))
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()
    return pid


async def test_connections_cut_by_the_server_answer_503_once_then_recover(
    settings: Settings, own_database: Database, database_url: str
) -> None:
    member = await _member(own_database)
    async with _client(_app(settings, own_database)) as client:
        assert (await client.get("/api/v1/me", headers=member.headers)).status_code == 200

        # A read outside a transaction (a GET's) runs again on a new connection: answered.
        await _cut_pooled_connection(own_database, database_url)
        assert (await client.get("/api/v1/me", headers=member.headers)).status_code == 200

        # A write's transaction cannot run again: 503, and the next request connects afresh.
        await _cut_pooled_connection(own_database, database_url)
        mark_read = {"all": True}
        assert_unavailable(
            await client.post("/api/v1/notifications/read", json=mark_read, headers=member.headers)
        )
        response = await client.post(
            "/api/v1/notifications/read", json=mark_read, headers=member.headers
        )
        assert response.status_code == 200, response.text


async def test_a_stopped_and_restarted_server(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    server = EmbeddedPostgres(tmp_path / "outage", durable=False)
    url = await asyncio.to_thread(server.start)
    database = Database(url, pool_size=2, max_overflow=0)
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        member = await _member(database)
        async with _client(_app(settings, database)) as client:
            assert (await client.get("/api/v1/me", headers=member.headers)).status_code == 200

            await asyncio.to_thread(server.stop)
            for _ in range(2):  # the pooled connection found dead, then no server at all
                assert_unavailable(await client.get("/api/v1/me", headers=member.headers))

            await asyncio.to_thread(server.start)
            statuses = [
                (await client.get("/api/v1/me", headers=member.headers)).status_code
                for _ in range(3)
            ]
            assert statuses[-1] == 200, statuses
            assert set(statuses) <= {200, 503}, statuses
    finally:
        await database.dispose()
        await asyncio.to_thread(server.stop)


async def test_query_errors_are_not_outages(db: Database) -> None:
    async with db.engine.connect() as connection:
        with pytest.raises(Exception) as failed:
            await connection.execute(text("SELECT * FROM no_such_table"))
    assert not database_unavailable(failed.value)
    async with db.engine.connect() as connection:
        with pytest.raises(Exception) as failed:
            await connection.execute(text("SELECT 1 / 0"))
    assert not database_unavailable(failed.value)
    # A refused connection elsewhere (object storage, mail) is not the database's.
    assert not database_unavailable(ConnectionRefusedError(111, "refused"))
