"""The websocket: authentication, entitlement at send time, resume, slow consumers, sessions."""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from websockets.asyncio.client import connect

from app.core.events import Audience
from app.db import Database
from app.models.identity import User, UserSession
from app.realtime.sequencer import sequence_pending
from app.realtime.service import RealtimeService
from tests.factories import make_member
from tests.realtime.conftest import publish, ws_client


async def test_event_reaches_only_its_audience(live_url: str, db: Database, session: AsyncSession):
    alice = await make_member(session)
    bob = await make_member(session)
    moderator = await make_member(session, roles=["moderator"])
    await session.commit()
    async with (
        ws_client(live_url, alice.token) as a,
        ws_client(live_url, bob.token) as b,
        ws_client(live_url, moderator.token) as m,
    ):
        await publish(
            db, "notification.created", {"notification_id": "n1"}, Audience.of("user", alice.id)
        )
        await publish(db, "post.hidden", {"post_id": "p1"}, Audience.of("moderators"))
        first = await a.next_event()
        assert first["event"] == "notification.created"
        assert first["data"] == {"notification_id": "n1"}
        assert isinstance(first["id"], int) and first["id"] > a.ready["last_id"]
        hidden = await m.next_event()
        assert hidden["event"] == "post.hidden" and hidden["id"] > first["id"]
        await a.nothing_before_barrier(db, alice.id)
        await b.nothing_before_barrier(db, bob.id)
        await m.nothing_before_barrier(db, moderator.id)


async def test_unknown_audience_and_missing_case_go_to_nobody(
    live_url: str, db: Database, session: AsyncSession
):
    officer = await make_member(session)
    await session.commit()
    async with ws_client(live_url, officer.token) as client:
        await publish(db, "x.y", {}, Audience.of("galaxy", "1"))
        await publish(db, "case.created", {"case_id": "c"}, Audience.of("case", officer.id))
        await publish(db, "ok", {}, Audience.of("user", officer.id))
        assert (await client.next_event())["event"] == "ok"


async def _close_code_after(live_url: str, first: object) -> int | None:
    async with connect(live_url) as ws:
        await ws.send(first if isinstance(first, str) else json.dumps(first))
        try:
            while True:
                await asyncio.wait_for(ws.recv(), timeout=3)
        except Exception:
            pass
        return ws.close_code


async def test_authentication_is_required(live_url: str, session: AsyncSession) -> None:
    member = await make_member(session, status="suspended")
    await session.commit()
    for first in (
        {"type": "auth", "token": "garbage"},
        {"type": "auth", "token": member.token},  # a suspended member
        {"type": "auth"},  # no token and no browser origin
    ):
        assert await _close_code_after(live_url, first) == 4001, first


async def test_a_first_message_outside_the_protocol_closes_with_4400(
    live_url: str, session: AsyncSession
) -> None:
    member = await make_member(session)
    await session.commit()
    for first in (
        "not json",
        "[1, 2]",
        {"type": "resume", "after": 1},
        {"type": "auth", "token": member.token, "after": -1},
        {"type": "auth", "token": member.token, "after": 2**63},
        {"type": "auth", "token": member.token, "after": "7"},
        {"type": "auth", "token": "x" * 5000},
    ):
        assert await _close_code_after(live_url, first) == 4400, first


async def test_auth_timeout(live_url: str, realtime: RealtimeService) -> None:
    realtime.config.auth_timeout_seconds = 0.2
    async with connect(live_url) as ws:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(ws.recv(), timeout=3)
        assert ws.close_code == 4001


async def test_foreign_origin_is_refused(live_url: str, session: AsyncSession) -> None:
    member = await make_member(session)
    await session.commit()
    try:
        async with connect(live_url, origin="https://evil.example") as ws:  # type: ignore[arg-type]
            await ws.send(json.dumps({"type": "auth", "token": member.token}))
            await asyncio.wait_for(ws.recv(), timeout=3)
        raise AssertionError("a foreign origin was accepted")
    except AssertionError:
        raise
    except Exception as exc:
        assert "403" in str(exc) or "1008" in str(exc), exc
    async with ws_client(live_url, member.token, origin="http://testserver") as client:  # type: ignore[arg-type]
        assert client.ready["type"] == "ready"


async def test_resume_after_100_missed_events(
    live_url: str, db: Database, session: AsyncSession
) -> None:
    member = await make_member(session)
    await session.commit()
    to_member = Audience.of("user", member.id)
    async with ws_client(live_url, member.token) as client:
        await publish(db, "before", {}, to_member)
        seen = (await client.next_event())["id"]
    for n in range(100):
        await publish(db, "missed", {"n": n}, to_member)
    # Someone else's events in between must not leak into the replay.
    await publish(db, "other", {}, Audience.of("user", "00000000-0000-0000-0000-000000000000"))
    async with ws_client(live_url, member.token, after=seen) as client:
        await publish(db, "live", {}, to_member)
        got = await client.events(101)
        assert [e["data"].get("n") for e in got[:100]] == list(range(100))
        assert got[100]["event"] == "live"
        ids = [e["id"] for e in got]
        assert ids == sorted(set(ids))
        await client.nothing_before_barrier(db, member.id)


async def test_resume_with_separate_message_and_no_duplicates(
    live_url: str, db: Database, session: AsyncSession
) -> None:
    member = await make_member(session)
    await session.commit()
    to_member = Audience.of("user", member.id)
    async with ws_client(live_url, member.token) as client:
        await publish(db, "first", {}, to_member)
        seen = (await client.next_event())["id"]
    await publish(db, "second", {}, to_member, count=3)
    async with connect(live_url) as ws:
        await ws.send(json.dumps({"type": "auth", "token": member.token}))
        await ws.send(json.dumps({"type": "resume", "after": seen}))
        messages = []
        while len([m for m in messages if m["type"] == "event"]) < 3:
            messages.append(json.loads(await asyncio.wait_for(ws.recv(), timeout=5)))
        assert messages[0]["type"] == "ready"
        events = [m for m in messages if m["type"] == "event"]
        assert [e["event"] for e in events] == ["second"] * 3
        assert events[0]["id"] > seen
        await ws.send(json.dumps({"type": "ping"}))
        pong = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
        assert pong == {"type": "pong", "last_id": events[-1]["id"]}


async def test_resume_outside_retention_says_so(
    live_url: str, db: Database, session: AsyncSession
) -> None:
    member = await make_member(session)
    await session.commit()
    await publish(db, "old", {}, Audience.of("user", member.id))
    await sequence_pending(db)
    async with db.transaction() as s:
        head = await s.scalar(text("SELECT max(position) FROM events"))
        await s.execute(
            text("INSERT INTO event_retention (id, pruned_through) VALUES (1, :p)"), {"p": head}
        )
    async with ws_client(live_url, member.token, after=0) as client:
        reset = await client.next()
        assert reset["type"] == "reset" and reset["reason"] == "position-expired"
        await publish(db, "new", {}, Audience.of("user", member.id))
        assert (await client.next_event())["event"] == "new"
    async with ws_client(live_url, member.token, after=10**12) as client:
        assert (await client.next())["reason"] == "position-unknown"


async def test_slow_consumer_is_cut_off(
    live_url: str, db: Database, session: AsyncSession, realtime: RealtimeService
) -> None:
    member = await make_member(session)
    await session.commit()
    realtime.config.queue_size = 10
    async with ws_client(live_url, member.token) as client:
        await publish(db, "flood", {}, Audience.of("user", member.id), count=50)
        assert await client.closed_with() == 4008
        assert client.ws.close_reason and "too slow" in client.ws.close_reason
    assert not realtime.hub.subscribers


async def test_revoked_session_closes_socket(
    live_url: str, db: Database, session: AsyncSession
) -> None:
    member = await make_member(session)
    await session.commit()
    async with ws_client(live_url, member.token) as client:
        user_session = await session.get(UserSession, member.session_id)
        assert user_session is not None
        user_session.revoked_at = datetime.now(UTC)
        await session.commit()
        await publish(
            db,
            "session.revoked",
            {"session_id": member.session_id, "user_id": member.id},
            Audience.of("user", member.id),
        )
        # Closed by the event or the once-a-second re-check; the bound is the wait,
        # not a timing assertion (speed is measured by `make bench`).
        assert await client.closed_with(timeout=3) == 4003


async def test_suspension_closes_socket_within_a_second(
    live_url: str, session: AsyncSession
) -> None:
    member = await make_member(session)
    await session.commit()
    async with ws_client(live_url, member.token) as client:
        user = await session.get(User, member.id)
        assert user is not None
        user.status = "suspended"
        await session.commit()
        # Closed by the event or the once-a-second re-check; the bound is the wait,
        # not a timing assertion (speed is measured by `make bench`).
        assert await client.closed_with(timeout=3) == 4003


async def test_role_change_applies_at_send_time(
    live_url: str, db: Database, session: AsyncSession, realtime: RealtimeService
) -> None:
    moderator = await make_member(session, roles=["moderator"])
    await session.commit()
    async with ws_client(live_url, moderator.token) as client:
        await publish(db, "flagged", {}, Audience.of("moderators"))
        assert (await client.next_event())["event"] == "flagged"
        user = await session.get(User, moderator.id)
        assert user is not None
        user.roles = ["officer"]
        await session.commit()
        await realtime.monitor.recheck()
        await publish(db, "flagged-again", {}, Audience.of("moderators"))
        await client.nothing_before_barrier(db, moderator.id)


async def test_killing_the_listening_connection_loses_nothing(
    live_url: str, db: Database, session: AsyncSession, realtime: RealtimeService
) -> None:
    member = await make_member(session)
    await session.commit()
    to_member = Audience.of("user", member.id)
    reconnects = realtime.listener.reconnects
    async with ws_client(live_url, member.token) as client:
        for n in range(60):
            # Killed right before the last events: their NOTIFYs go nowhere, and only the
            # catch-up after reconnecting (well before the 5 s heartbeat) can deliver them.
            if n in (10, 30, 55):
                await asyncio.wait_for(realtime.listener.connected.wait(), timeout=5)
                async with db.transaction() as s:
                    killed = await s.scalar(
                        text(
                            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                            "WHERE application_name = 'canet-listener' "
                            "AND datname = current_database()"
                        )
                    )
                    assert killed >= 1
            await publish(db, "stream", {"n": n}, to_member)
        got = await client.events(60, timeout=3)
        assert [e["data"]["n"] for e in got] == list(range(60))
        await client.nothing_before_barrier(db, member.id)
    assert realtime.listener.reconnects >= reconnects + 2


async def test_going_away_on_shutdown(
    live_url: str, session: AsyncSession, realtime: RealtimeService
):
    member = await make_member(session)
    await session.commit()
    async with ws_client(live_url, member.token) as client:
        for connection in list(realtime.connections):
            if connection.actor.user_id == member.id:
                connection.end(1001, "server going away")
        assert await client.closed_with() == 1001


async def test_idle_socket_gets_heartbeats(
    live_url: str, session: AsyncSession, realtime: RealtimeService
) -> None:
    member = await make_member(session)
    await session.commit()
    realtime.config.heartbeat_seconds = 0.2
    async with ws_client(live_url, member.token) as client:
        ping = await client.next(timeout=3)
        assert ping == {"type": "ping", "last_id": client.ready["last_id"]}
