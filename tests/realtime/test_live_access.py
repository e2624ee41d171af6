"""Access is decided at send time, through the real case and cookie paths."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession
from websockets.asyncio.client import connect

from app.db import Database
from app.models.identity import UserSession
from tests.cases.conftest import Network, net, submitted_case  # noqa: F401 -- the fixture
from tests.factories import make_member
from tests.realtime.conftest import Client, ws_client


async def _message(client: httpx.AsyncClient, member, case_id: str, body: str) -> str:  # type: ignore[no-untyped-def]
    response = await client.post(
        f"/api/v1/cases/{case_id}/messages", json={"body": body}, headers=member.headers
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_removed_participant_stops_receiving_at_once(
    live_url: str,
    db: Database,
    client: httpx.AsyncClient,
    net: Network,  # noqa: F811
) -> None:
    case = await submitted_case(client, net)
    url = f"/api/v1/cases/{case['id']}"
    invited = await client.post(
        f"{url}/participants",
        json={
            "user_id": str(net.liaison.id),
            "expires_at": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
        },
        headers=net.fr.headers,
    )
    assert invited.status_code == 201, invited.text
    async with (
        ws_client(live_url, net.liaison.token) as liaison,
        ws_client(live_url, net.it.token) as requested,
        ws_client(live_url, net.br.token) as outsider,
    ):
        first = await _message(client, net.fr, case["id"], "first")
        for socket in (liaison, requested):
            event = await socket.next_event()
            while event["event"] != "case.message.created":
                event = await socket.next_event()
            assert event["data"] == {"case_id": case["id"], "message_id": first}
        removed = await client.delete(
            f"{url}/participants/{net.liaison.id}", headers=net.fr.headers
        )
        assert removed.status_code == 204, removed.text
        second = await _message(client, net.fr, case["id"], "second")
        event = await requested.next_event()
        while event["event"] != "case.message.created":
            event = await requested.next_event()
        assert event["data"]["message_id"] == second
        await liaison.nothing_before_barrier(db, net.liaison.id, but=("notification.created",))
        await outsider.nothing_before_barrier(db, net.br.id)


async def test_browser_session_cookie_with_allowed_origin(
    live_url: str, session: AsyncSession
) -> None:
    member = await make_member(session)
    cookie = "cookie-secret-for-the-realtime-test"
    session.add(
        UserSession(
            user_id=member.id,
            kind="cookie",
            cookie_hash=hashlib.sha256(cookie.encode()).hexdigest(),
            expires_at=datetime.now(UTC) + timedelta(hours=1),
        )
    )
    await session.commit()
    headers = {"Cookie": f"canet_session={cookie}"}
    async with connect(
        live_url,
        origin="http://testserver",  # type: ignore[arg-type]
        additional_headers=headers,
    ) as ws:
        await ws.send(json.dumps({"type": "auth"}))
        assert (await Client(ws).next())["type"] == "ready"
    # Without an Origin (not a browser) a cookie is not accepted in place of a token.
    async with connect(live_url, additional_headers=headers) as ws:
        await ws.send(json.dumps({"type": "auth"}))
        assert await Client(ws).closed_with() == 4001


async def test_a_page_served_by_this_host_may_use_its_cookie(
    live_url: str, session: AsyncSession
) -> None:
    """The client's own origin is the request's Host even when CANET_BASE_URL names another
    (http://localhost:8000 opened while the base URL says 127.0.0.1): same origin, accepted."""
    member = await make_member(session)
    cookie = "cookie-secret-for-the-same-host-test"
    session.add(
        UserSession(
            user_id=member.id,
            kind="cookie",
            cookie_hash=hashlib.sha256(cookie.encode()).hexdigest(),
            expires_at=datetime.now(UTC) + timedelta(hours=1),
        )
    )
    await session.commit()
    own_origin = "http://" + live_url.split("://", 1)[1].split("/", 1)[0]
    async with connect(
        live_url,
        origin=own_origin,  # type: ignore[arg-type]
        additional_headers={"Cookie": f"canet_session={cookie}"},
    ) as ws:
        await ws.send(json.dumps({"type": "auth"}))
        assert (await Client(ws).next())["type"] == "ready"
    # Another site on the same machine (another port) is a different origin.
    port = int(own_origin.rsplit(":", 1)[1])
    try:
        async with connect(live_url, origin=f"http://127.0.0.1:{port + 1}") as ws:  # type: ignore[arg-type]
            await ws.send(json.dumps({"type": "auth"}))
            await ws.recv()
        raise AssertionError("another origin was accepted")
    except AssertionError:
        raise
    except Exception as exc:
        assert "403" in str(exc) or "1008" in str(exc), exc
