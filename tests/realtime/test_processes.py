"""Real `canet serve` processes: events written through either reach clients on both."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.events import Audience
from app.db import Database
from tests.factories import make_forum, make_member
from tests.realtime.conftest import publish, ws_client
from tests.servers import Server


@pytest.fixture(scope="module")
def servers(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Server]]:
    data_dir = tmp_path_factory.mktemp("serve")
    started = [Server(database_url, data_dir), Server(database_url, data_dir)]
    try:
        for server in started:
            server.wait_ready()
        yield started
    finally:
        for server in started:
            server.stop()


async def test_posts_through_either_process_reach_every_entitled_client_once(
    servers: list[Server], db: Database, session: AsyncSession
) -> None:
    first, second = servers
    alice = await make_member(session)  # officer, reads network forums
    bob = await make_member(session, roles=["liaison_magistrate"])
    auditor = await make_member(session, roles=["auditor"])  # may not read forums
    forum = await make_forum(session)
    await session.commit()
    async with (
        httpx.AsyncClient(base_url=first.http + "/api/v1") as via_first,
        httpx.AsyncClient(base_url=second.http + "/api/v1") as via_second,
        ws_client(first.ws, alice.token) as alice_on_first,
        ws_client(second.ws, alice.token) as alice_on_second,
        ws_client(second.ws, bob.token) as bob_on_second,
        ws_client(first.ws, auditor.token) as auditor_on_first,
    ):
        created = await via_first.post(
            f"/forums/{forum.id}/threads",
            json={"title": "Cross-worker delivery", "body": "first post"},
            headers=alice.headers,
        )
        assert created.status_code == 201, created.text
        thread_id = created.json()["id"]
        post_ids = []
        for n in range(10):
            via = via_first if n % 2 else via_second
            author = alice if n % 3 else bob
            response = await via.post(
                f"/threads/{thread_id}/posts", json={"body": f"post {n}"}, headers=author.headers
            )
            assert response.status_code == 201, response.text
            post_ids.append(response.json()["id"])
        for client, member in (
            (alice_on_first, alice),
            (alice_on_second, alice),
            (bob_on_second, bob),
        ):
            received = []
            while len(received) < 10:
                message = await client.next_event(timeout=10)
                if message["event"] == "post.created":
                    received.append(message["data"]["post_id"])
            assert received == post_ids  # each exactly once, in commit order
            # (followers also hear of the notifications those posts made for them)
            await client.nothing_before_barrier(db, member.id, but=("notification.created",))
        await auditor_on_first.nothing_before_barrier(db, auditor.id)


async def test_events_written_elsewhere_reach_both_processes(
    servers: list[Server], db: Database, session: AsyncSession
) -> None:
    member = await make_member(session)
    await session.commit()
    async with (
        ws_client(servers[0].ws, member.token) as one,
        ws_client(servers[1].ws, member.token) as two,
    ):
        await publish(db, "ping.test", {"n": 1}, Audience.of("user", member.id), count=5)
        for client in (one, two):
            got = await client.events(5)
            assert len({e["id"] for e in got}) == 5
            await client.nothing_before_barrier(db, member.id)


async def test_revoking_a_session_through_one_process_closes_its_socket_on_the_other(
    servers: list[Server], db: Database, session: AsyncSession
) -> None:
    member = await make_member(session)
    other = await make_member(session)
    await session.commit()
    async with (
        ws_client(servers[1].ws, member.token) as client,
        ws_client(servers[1].ws, other.token) as bystander,
    ):
        async with httpx.AsyncClient(base_url=servers[0].http + "/api/v1") as http:
            response = await http.delete(
                f"/me/sessions/{member.session_id}", headers=member.headers
            )
            assert response.status_code == 204, response.text
        # Closed by the event or the once-a-second re-check; the bound is the wait,
        # not a timing assertion (speed is measured by `make bench`).
        assert await client.closed_with(timeout=3) == 4003
        # Still served, and told nothing about the other member's session.
        await bystander.nothing_before_barrier(db, other.id)


async def test_shutdown_closes_sockets_with_going_away(
    database_url: str, tmp_path: Path, session: AsyncSession
) -> None:
    member = await make_member(session)
    await session.commit()
    server = Server(database_url, tmp_path)
    try:
        await asyncio.to_thread(server.wait_ready)
        async with ws_client(server.ws, member.token) as client:
            server.process.send_signal(signal.SIGTERM)
            assert await client.closed_with(timeout=10) == 1001
    finally:
        server.stop()
