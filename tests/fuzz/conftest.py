"""Fixtures of the fuzzing tests: the client the bridge sends through, and the network."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import Database
from tests.fuzz.bridge import BASE_URL
from tests.fuzz.harness import Run
from tests.fuzz.network import build_network


@pytest.fixture
async def fuzz_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    # Unlike the `client` fixture, a crash comes back as the 500 a client would get, so it
    # is judged and reported like any other answer.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        yield client


@pytest.fixture
async def fuzz_run(db: Database, session: AsyncSession, fuzz_client: httpx.AsyncClient) -> Run:
    """A seeded network and everything needed to fuzz it from a worker thread."""
    network = await build_network(session, fuzz_client)
    return Run.start(db, network, fuzz_client)
