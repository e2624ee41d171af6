"""Stream positions and the long-poll fallback."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import events, journal
from app.core.events import Audience
from app.db import Database
from app.models.events import Event
from app.realtime.hub import fetch_events
from app.realtime.sequencer import sequence_pending
from tests.factories import make_member
from tests.realtime.conftest import publish


async def test_an_event_that_commits_late_gets_a_later_position(db: Database) -> None:
    """Ids are handed out at insert; positions in commit order, so no reader skips one."""
    await sequence_pending(db)
    async with db.sessionmaker() as slow:
        await events.publish(slow, "early", {}, audience=Audience.of("moderators"))
        [early_id] = await journal.flush(slow)
        # A later insert that commits first.
        [late_id] = await publish(db, "late", {}, Audience.of("moderators"))
        assert early_id < late_id
        await sequence_pending(db)
        reader_head = max(e.position for e in await fetch_events(db, 0, limit=100_000))
        await slow.commit()
    await sequence_pending(db)
    async with db.sessionmaker() as s:
        rows = {
            e.name: e.position
            for e in (await s.execute(Event.__table__.select())).all()  # type: ignore[attr-defined]
        }
    assert rows["late"] is not None and rows["early"] is not None
    assert rows["early"] > rows["late"]
    # A reader that had read up to `late` finds `early` after it: nothing was skipped.
    after = [e.name for e in await fetch_events(db, reader_head)]
    assert after == ["early"]


async def test_writers_never_wait_for_the_sequencer(db: Database) -> None:
    """The sequencer's lock is taken only by sequencer runs, not by publishing writers."""
    async with db.engine.connect() as holder:
        await holder.execute(text("BEGIN"))
        await holder.execute(text("SELECT pg_advisory_xact_lock(7201001)"))
        await asyncio.wait_for(publish(db, "unblocked", {}, Audience.of("moderators")), 2)
        await holder.execute(text("ROLLBACK"))


async def test_long_poll(
    app: FastAPI, client: httpx.AsyncClient, db: Database, session: AsyncSession
) -> None:
    member = await make_member(session)
    other = await make_member(session)
    await session.commit()
    auth = member.headers
    assert (await client.get("/api/v1/events")).status_code == 401
    head = (await client.get("/api/v1/events", headers=member.headers)).json()
    assert head["events"] == [] and isinstance(head["last_id"], int)

    await publish(db, "for.other", {}, Audience.of("user", other.id))
    await publish(db, "for.member", {"n": 1}, Audience.of("user", member.id))
    got = (
        await client.get(
            "/api/v1/events",
            params={"after": head["last_id"], "timeout": 5},
            headers=auth,
        )
    ).json()
    assert [e["event"] for e in got["events"]] == ["for.member"]
    assert got["events"][0] == {
        "type": "event",
        "id": got["last_id"],
        "event": "for.member",
        "data": {"n": 1},
    }

    # Waits for the next event, then returns it.
    waiting = asyncio.create_task(
        client.get(
            "/api/v1/events",
            params={"after": got["last_id"], "timeout": 10},
            headers=auth,
        )
    )
    # Published only once the poll is parked waiting for the head to move.
    hub = app.state.realtime.hub
    async with asyncio.timeout(5):
        while hub.waiting == 0:
            assert not waiting.done(), waiting.result().json()
            await asyncio.sleep(0.01)
    await publish(db, "later", {}, Audience.of("user", member.id))
    later = (await asyncio.wait_for(waiting, 5)).json()
    assert [e["event"] for e in later["events"]] == ["later"]

    # Nothing new: an empty answer after the timeout, cursor unchanged.
    empty = await client.get(
        "/api/v1/events", params={"after": later["last_id"], "timeout": 0.2}, headers=auth
    )
    assert empty.json() == {"events": [], "last_id": later["last_id"]}


async def test_long_poll_outside_retention(
    client: httpx.AsyncClient, db: Database, session: AsyncSession
) -> None:
    member = await make_member(session)
    await session.commit()
    async with db.transaction() as s:
        await s.execute(text("INSERT INTO event_retention (id, pruned_through) VALUES (1, 5)"))
    response = await client.get("/api/v1/events", params={"after": 2}, headers=member.headers)
    assert response.status_code == 410
    assert response.json()["type"] == "urn:canet:problem:position-expired"
    unknown = await client.get("/api/v1/events", params={"after": 10**12}, headers=member.headers)
    assert unknown.status_code == 410
    assert unknown.json()["type"] == "urn:canet:problem:position-unknown"


async def test_retention_prunes_old_events_and_remembers_where(db: Database) -> None:
    from datetime import timedelta

    from app.realtime.hub import pruned_through
    from app.realtime.service import prune_events

    await publish(db, "old", {}, Audience.of("moderators"), count=3)
    await publish(db, "new", {}, Audience.of("moderators"))
    await sequence_pending(db)
    async with db.transaction() as s:
        await s.execute(
            text("UPDATE events SET created_at = now() - interval '30 days' WHERE name = 'old'")
        )
        old_last = await s.scalar(text("SELECT max(position) FROM events WHERE name = 'old'"))
    await prune_events(db, timedelta(days=14))
    remaining = [e.name for e in await fetch_events(db, 0, limit=100_000)]
    assert "old" not in remaining and "new" in remaining
    assert await pruned_through(db) == old_last
    # Pruning again with nothing old enough changes nothing.
    await prune_events(db, timedelta(days=14))
    assert await pruned_through(db) == old_last
