"""Migrations produce exactly the models' schema, and downgrade to base works."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from app import migrate
from app.db import sqlalchemy_url
from app.models import metadata
from tests.conftest import ScratchServer


async def _diff(url: str) -> list[object]:
    engine = create_async_engine(sqlalchemy_url(url), poolclass=NullPool)
    try:
        async with engine.connect() as conn:

            def compare(sync_conn):  # type: ignore[no-untyped-def]
                context = MigrationContext.configure(
                    sync_conn, opts={"compare_type": True, "compare_server_default": True}
                )
                return compare_metadata(context, metadata)

            return await conn.run_sync(compare)
    finally:
        await engine.dispose()


async def test_migrations_match_models_and_downgrade(scratch_server: ScratchServer) -> None:
    url = await scratch_server.create("canet_migrations")
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        assert await _diff(url) == []
        await asyncio.to_thread(migrate.downgrade, url, "base")
        await asyncio.to_thread(migrate.upgrade, url)
        assert await _diff(url) == []
    finally:
        await scratch_server.drop(url)
