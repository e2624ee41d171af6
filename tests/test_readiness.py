"""The readiness probe: quiet in the log, and it still tells the schema's revision."""

from __future__ import annotations

import logging

import httpx
import pytest
from fastapi import FastAPI

from app import migrate
from app.db import Database
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
