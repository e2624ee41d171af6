"""The actor cache: a worker remembers authenticated sessions only while it hears changes.

The in-process app of the suite runs without it (tests/conftest.py); these tests turn it on
for the app, with the realtime listener that feeds it, and change members the way another
worker or an operator would: straight in the database, from another connection. Every
change must be refused or shown within one second (the bound the issue sets), and the cache
must really answer (its hit count moves), or the test proves nothing.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app import background, domains
from app.auth.actor_cache import TRUST_SECONDS, ActorCache
from app.db import Database
from tests.factories import Member, make_authority, make_member


@pytest.fixture
async def cache(app: FastAPI) -> AsyncIterator[ActorCache]:
    """The in-process app with an actor cache, its workers restarted to feed it."""
    running: list[Any] = app.state.background
    await background.stop_all(running)
    running.clear()
    app.state.actor_cache = ActorCache()
    try:
        running.extend(await background.start_all(app, domains.starters()))
        await _until(lambda: _true(app.state.actor_cache.trusted()), "the listener to connect")
        yield app.state.actor_cache
    finally:
        await background.stop_all(running)
        running.clear()
        app.state.actor_cache = None
        running.extend(await background.start_all(app, domains.starters()))


async def _true(value: bool) -> bool:
    return value


async def _until(check: Callable[[], Awaitable[bool]], what: str, *, within: float = 5.0) -> float:
    """Poll `check` every 10 ms; returns the seconds it took."""
    started = time.monotonic()
    while not await check():
        if time.monotonic() - started > within:
            raise AssertionError(f"waited {within} s for {what}")
        await asyncio.sleep(0.01)
    return time.monotonic() - started


async def _member(session: AsyncSession) -> Member:
    member = await make_member(session, authority=await make_authority(session))
    await session.commit()
    return member


async def _change(db: Database, statement: str, **params: Any) -> None:
    """A change from another connection, as another worker or an operator makes it."""
    async with db.engine.begin() as conn:
        await conn.execute(text(statement), params)


async def _cached(client: httpx.AsyncClient, member: Member, cache: ActorCache) -> None:
    """Two requests: the second must be answered from the cache."""
    assert (await client.get("/api/v1/me", headers=member.headers)).status_code == 200
    hits = cache.hits
    assert (await client.get("/api/v1/me", headers=member.headers)).status_code == 200
    assert cache.hits == hits + 1


async def test_a_suspended_member_is_refused_within_a_second(
    cache: ActorCache, client: httpx.AsyncClient, session: AsyncSession, db: Database
) -> None:
    member = await _member(session)
    await _cached(client, member, cache)
    await _change(db, "UPDATE users SET status = 'suspended' WHERE id = :id", id=member.id)

    async def refused() -> bool:
        return (await client.get("/api/v1/me", headers=member.headers)).status_code == 401

    assert await _until(refused, "the refusal", within=TRUST_SECONDS) < TRUST_SECONDS


async def test_a_revoked_session_is_refused_within_a_second(
    cache: ActorCache, client: httpx.AsyncClient, session: AsyncSession, db: Database
) -> None:
    member = await _member(session)
    await _cached(client, member, cache)
    await _change(
        db, "UPDATE user_sessions SET revoked_at = now() WHERE id = :id", id=member.session_id
    )

    async def refused() -> bool:
        return (await client.get("/api/v1/me", headers=member.headers)).status_code == 401

    await _until(refused, "the refusal", within=TRUST_SECONDS)


async def test_a_new_name_and_role_show_within_a_second(
    cache: ActorCache, client: httpx.AsyncClient, session: AsyncSession, db: Database
) -> None:
    member = await _member(session)
    await _cached(client, member, cache)
    await _change(
        db,
        "UPDATE users SET full_name = 'Renamed', roles = '{officer,moderator}' WHERE id = :id",
        id=member.id,
    )

    async def shown() -> bool:
        # GET /me reads the profile itself; what must be new is the row the cache holds,
        # from which every request's actor (its roles: its permissions) is made.
        assert (await client.get("/api/v1/me", headers=member.headers)).status_code == 200
        row = cache.row(member.session_id, member.id)
        return row is not None and row.full_name == "Renamed" and "moderator" in row.roles

    await _until(shown, "the new name and role", within=TRUST_SECONDS)


async def test_a_refresh_or_sign_in_stamp_keeps_the_cache(
    cache: ActorCache, client: httpx.AsyncClient, session: AsyncSession, db: Database
) -> None:
    """Columns the actor query does not read fire no notification (the triggers' WHEN)."""
    member = await _member(session)
    await _cached(client, member, cache)
    generation = cache.generation
    await _change(db, "UPDATE users SET last_login_at = now() WHERE id = :id", id=member.id)
    await _change(
        db, "UPDATE user_sessions SET last_seen_at = now() WHERE id = :id", id=member.session_id
    )
    # A change that does notify, after them: once it is heard, the two before were too.
    other = await _member(session)
    await _change(db, "UPDATE users SET full_name = 'Other' WHERE id = :id", id=other.id)
    await _until(lambda: _true(cache.generation > generation), "the notification")
    assert cache.generation == generation + 1
    assert cache.row(member.session_id, member.id) is not None


async def test_a_lost_listening_connection_is_noticed_and_the_cache_emptied(
    cache: ActorCache, client: httpx.AsyncClient, session: AsyncSession, db: Database
) -> None:
    member = await _member(session)
    await _cached(client, member, cache)
    async with db.engine.begin() as conn:
        killed = await conn.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE application_name = 'canet-listener' AND datname = current_database()"
            )
        )
    assert killed == 1
    await _until(lambda: _true(not cache.trusted()), "the loss to be noticed", within=1.0)
    assert cache.row(member.session_id, member.id) is None
    # It reconnects, and only then is trusted again, with nothing remembered from before.
    await _until(lambda: _true(cache.trusted()), "the listener to reconnect")
    assert cache.row(member.session_id, member.id) is None
    await _cached(client, member, cache)


def test_a_silent_connection_stops_being_trusted_a_second_after_its_last_proof() -> None:
    now = [100.0]
    cache = ActorCache(clock=lambda: now[0])
    cache.proved_alive(100.0)
    cache.store(*_keys(), row="row", generation=cache.generation)
    assert cache.row(*_keys()) == "row"
    now[0] = 100.0 + TRUST_SECONDS - 0.01
    assert cache.row(*_keys()) == "row"
    now[0] = 100.0 + TRUST_SECONDS
    assert cache.row(*_keys()) is None


def test_a_read_racing_a_notification_is_not_stored() -> None:
    cache = ActorCache(clock=lambda: 0.0)
    cache.proved_alive(0.0)
    session_id, user_id = _keys()
    before = cache.generation
    cache.changed(str(user_id))  # heard while the read was in flight
    cache.store(session_id, user_id, row="stale", generation=before)
    assert cache.row(session_id, user_id) is None


def test_a_truncation_forgets_everyone() -> None:
    cache = ActorCache(clock=lambda: 0.0)
    cache.proved_alive(0.0)
    cache.store(*_keys(), row="row", generation=cache.generation)
    cache.store_cookie("hash", *_keys(), generation=cache.generation)
    cache.changed("*")
    assert cache.row(*_keys()) is None
    assert cache.cookie("hash") is None


def _keys() -> tuple[uuid.UUID, uuid.UUID]:
    return uuid.UUID(int=1), uuid.UUID(int=2)
