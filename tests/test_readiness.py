"""The readiness probe: quiet in the log, and it still tells the schema's revision."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from alembic.script import ScriptDirectory
from fastapi import FastAPI
from sqlalchemy import text

from app import migrate
from app.config import Settings
from app.db import Database
from app.main import create_app
from tests.conftest import ScratchServer


async def test_readyz_writes_no_migration_tool_lines(
    client: httpx.AsyncClient, app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for _ in range(3):
        response = await client.get("/readyz")
        assert response.status_code == 200
        assert response.json()["schema"] == migrate.describe(app.state.schema_head)
    noisy = [r for r in caplog.records if r.name.startswith("alembic")]
    assert not noisy, [r.getMessage() for r in noisy]


async def test_current_revisions_of_an_unmigrated_database(scratch_server: ScratchServer) -> None:
    url = await scratch_server.create("canet_unmigrated")
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            assert await migrate.current_revisions(connection) == ()
    finally:
        await database.dispose()
        await scratch_server.drop(url)


async def test_ready_at_its_own_schema_or_a_newer_releases_never_behind(
    scratch_server: ScratchServer, settings: Settings
) -> None:
    """A rolling release migrates first: pods of the previous release must stay ready on the
    newer (expanded) schema, while a pod whose schema is behind waits for `canet db upgrade`."""
    url = await scratch_server.create("canet_readiness")
    database = Database(url)
    app = create_app(settings.model_copy(update={"database_url": url}), database=database)
    app.state.db = database  # what the lifespan sets; its background tasks are not needed
    head = migrate.head_revisions()
    previous = next(
        r.down_revision
        for r in ScriptDirectory.from_config(migrate.alembic_config(url)).walk_revisions()
        if r.revision == head[0]
    )
    try:
        await asyncio.to_thread(migrate.upgrade, url, str(previous))
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test"
        ) as client:
            behind = await client.get("/readyz")
            assert behind.status_code == 503
            assert "canet db upgrade" in behind.json()["detail"]
            await asyncio.to_thread(migrate.upgrade, url)
            assert (await client.get("/readyz")).status_code == 200
            async with database.engine.begin() as connection:
                await connection.execute(
                    text("UPDATE alembic_version SET version_num = '9999_next_release'")
                )
            ahead = await client.get("/readyz")
            assert ahead.status_code == 200
            assert ahead.json()["schema"] == "9999_next_release"
    finally:
        await database.dispose()
        await scratch_server.drop(url)
