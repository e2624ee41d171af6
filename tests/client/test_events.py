"""The event stream across broken connections: each event once, in order, none lost.

The client follows the stream through a proxy that cuts every connection on cue (the server
stays up, as when a network path fails); messages are posted directly to the server, so they
keep coming while the client is cut off.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from canet_client import AsyncCanetClient
from canet_client.models import Event

from tests.client.conftest import World, case_fields
from tests.client.proxy import Proxy

MESSAGE = "case.message.created"


async def _next_message(events: AsyncIterator[Event]) -> Event:
    while True:
        event = await asyncio.wait_for(anext(events), timeout=20)
        if event.event == MESSAGE:
            return event


async def _follow_through_cuts(
    world: World, proxy: Proxy, *, websocket: bool, cuts: tuple[int, ...], total: int
) -> tuple[list[str], list[Event], dict[str, int], str]:
    async with (
        world.async_sdk(world.fr) as direct,
        AsyncCanetClient(proxy.url, direct._session.credentials) as via_proxy,
    ):
        case = await direct.cases.create(**case_fields(world.ita))
        head = (await direct.events.poll(None, 0)).last_id
        stream = via_proxy.events.stream(after=head, websocket=websocket, poll_timeout=10)
        events = aiter(stream)
        posted: list[str] = []

        async def post_all() -> None:
            for n in range(total):
                posted.append((await direct.cases.post_message(case.id, f"message {n}")).id)

        poster = asyncio.create_task(post_all())
        got: list[Event] = []
        cut = 0
        for _ in range(total):
            got.append(await _next_message(events))
            if len(got) in cuts:
                # Mid-stream: whatever was in flight is lost on the wire. A cut finds no open
                # socket when the client had read ahead and is already reconnecting.
                cut += proxy.sever()
        await poster
        # Nothing else is owed: the next message event is the one posted after all others.
        marker = await direct.cases.post_message(case.id, "marker")
        assert (await _next_message(events)).data["message_id"] == marker.id
        await events.aclose()  # type: ignore[attr-defined]
        return posted, got, stream.connections | {"cut": cut}, stream.transport


async def test_the_websocket_resumes_after_cuts_without_loss_or_duplicates(
    world: World, proxy: Proxy
) -> None:
    posted, got, connections, transport = await _follow_through_cuts(
        world, proxy, websocket=True, cuts=(3, 9, 15), total=20
    )
    assert [e.data["message_id"] for e in got] == posted  # each once, in order
    positions = [e.id for e in got]
    assert positions == sorted(set(positions))
    assert transport == "websocket"
    assert connections["cut"] >= 1
    # The first connection and one after each cut of an open socket.
    assert connections["websocket"] >= 1 + connections["cut"]
    assert proxy.websocket_upgrades >= 1 + connections["cut"]


async def test_without_websockets_the_stream_long_polls_through_cuts(
    world: World, proxy: Proxy
) -> None:
    proxy.refuse_websocket = True  # a proxy on the way that does not pass websockets
    posted, got, connections, transport = await _follow_through_cuts(
        world, proxy, websocket=True, cuts=(2, 6), total=10
    )
    assert [e.data["message_id"] for e in got] == posted
    assert transport == "poll"
    assert connections["websocket"] == 0 and connections["poll"] >= 3
