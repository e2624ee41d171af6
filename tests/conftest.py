"""Test harness: a real PostgreSQL, schema built by the migrations, each test isolated.

CANET_TEST_DATABASE_URL points at a server we may create databases on; without it an
embedded server is started in a temporary directory. Either way the suite works in its own
scratch database, dropped at the end. Isolation: after each test every table that tests
write is truncated (reference data seeded by migrations is kept).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from app import background, domains, migrate
from app.config import Settings
from app.core import event_catalog
from app.core.embedded_pg import EmbeddedPostgres
from app.db import Database, plain_url
from app.main import create_app
from app.models import metadata
from tests.factories import TEST_SECRET_KEY
from tests.servers import Server

# An event published with a name, audience or payload key that its declaration does not name
# fails the test (production logs it): docs/events.md is rendered from the declarations.
event_catalog.strict = True

# Tables filled by migrations with reference data: never truncated between tests.
REFERENCE_TABLES: set[str] = {"states"}


def with_database(url: str, name: str) -> str:
    parts = urlsplit(plain_url(url))
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


class ScratchServer:
    """Creates and drops throwaway databases on one PostgreSQL server."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url

    async def create(self, prefix: str = "canet_test") -> str:
        name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        conn = await asyncpg.connect(plain_url(self.admin_url))
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return with_database(self.admin_url, name)

    async def drop(self, url: str) -> None:
        name = urlsplit(url).path.lstrip("/")
        conn = await asyncpg.connect(plain_url(self.admin_url))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


@pytest.fixture(scope="session")
def tmp_data_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="canet-test-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def scratch_server(tmp_data_dir: Path) -> Iterator[ScratchServer]:
    external = os.environ.get("CANET_TEST_DATABASE_URL")
    if external:
        yield ScratchServer(external)
        return
    embedded = EmbeddedPostgres(tmp_data_dir / "embedded", durable=False)
    url = embedded.start()
    try:
        yield ScratchServer(with_database(url, "postgres"))
    finally:
        embedded.stop()


@pytest.fixture(scope="session")
async def database_url(scratch_server: ScratchServer) -> AsyncIterator[str]:
    url = await scratch_server.create()
    await asyncio.to_thread(migrate.upgrade, url)
    yield url
    await scratch_server.drop(url)


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_data_dir: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        database_url=database_url,
        data_dir=tmp_data_dir / "data",
        secret_key=TEST_SECRET_KEY,
        base_url="http://testserver",
        # A test that changes a member straight after a request would race the NOTIFY that
        # empties the cache; tests/test_actor_cache.py turns it on, and `canet serve` does.
        actor_cache=False,
    )


@pytest.fixture(scope="session")
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


# The session's in-process app, once some test has asked for it.
_in_process: list[FastAPI] = []


@pytest.fixture(scope="session")
async def app(settings: Settings, db: Database) -> AsyncIterator[FastAPI]:
    application = create_app(settings, database=db)
    async with application.router.lifespan_context(application):
        _in_process.append(application)
        yield application
        _in_process.clear()


@pytest.fixture(autouse=True)
async def _one_set_of_workers() -> AsyncIterator[None]:
    """While a `canet serve` process (tests/servers.py) works on the test database, the
    in-process app's background workers stand down for the test, then start again.

    In production every worker shares one configuration; here the in-process app has its
    own (no SMTP server, another base URL), so its mail sender would "deliver" a server's
    mails into its own outbox and its deriver write that server's notifications: a test
    waiting for them would wait in vain, depending on which tests ran before it.
    """
    if not (Server.alive and _in_process):
        yield
        return
    application = _in_process[0]
    running: list[Any] = application.state.background
    await background.stop_all(running)
    running.clear()
    try:
        yield
    finally:
        running.extend(await background.start_all(application, domains.starters()))


@pytest.fixture
async def session(db: Database) -> AsyncIterator[AsyncSession]:
    """A session for building test data; committed when the test body's setup is done.

    Use `await session.commit()` before calling the API so the app sees the rows.
    """
    async with db.sessionmaker() as s:
        yield s
        await s.rollback()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


def _truncatable_tables() -> list[str]:
    return [t.name for t in metadata.sorted_tables if t.name not in REFERENCE_TABLES]


@pytest.fixture(autouse=True)
async def _isolate(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    # Resolved at setup: pytest refuses new fixture lookups during teardown.
    uses_database = "database_url" in request.fixturenames
    db: Database | None = request.getfixturevalue("db") if uses_database else None
    yield
    tables = _truncatable_tables()
    if db is None or not tables:
        return
    # Background tasks (notifications, sealing) may hold locks on some of these tables: a
    # deadlock with them aborts only this attempt, so try again.
    for attempt in range(5):
        try:
            async with db.engine.begin() as conn:
                # replica role: append-only triggers (the audit log) do not fire for cleanup.
                await conn.execute(text("SET LOCAL session_replication_role = replica"))
                await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            return
        except DBAPIError as exc:
            if "deadlock" not in str(exc) or attempt == 4:
                raise
            await asyncio.sleep(0.05)
