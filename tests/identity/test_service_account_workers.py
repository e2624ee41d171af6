"""Against `canet serve --workers 2`: a service account works on a real server, and revoking
its key is refused by every worker from the very next request, live sockets included.

Which worker serves a connection is read from the kernel (the server-side socket of the
client's port, and the worker process holding it), so the test proves each worker refuses
rather than hoping the connections were spread over both.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.cases.conftest import Network, case_payload
from tests.identity.service_account_kit import (
    API,
    approved_account,
    assertion,
    audit_entries,
    bearer,
    new_key,
    request_token,
    token_for,
)
from tests.realtime.conftest import Client, ws_client
from tests.servers import Server

pytestmark = pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc")


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    started = Server(database_url, tmp_path_factory.mktemp("service-accounts"), workers=2)
    try:
        started.wait_ready()
        yield started
    finally:
        started.stop()


def _workers(supervisor: int) -> set[int]:
    children = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                stat = Path(f"/proc/{entry}/stat").read_text()
                # the parent pid is the second field after the parenthesised command
                if int(stat.rsplit(")", 1)[1].split()[1]) == supervisor:
                    children.add(int(entry))
    return children


def _socket_inode(server_port: int, client_port: int) -> str | None:
    """The inode of the server's side of the TCP connection from `client_port`."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].split(":")[1], 16)
        remote_port = int(fields[2].split(":")[1], 16)
        if local_port == server_port and remote_port == client_port:
            return fields[9]
    return None


def serving_worker(server: Server, client_port: int) -> int | None:
    inode = _socket_inode(server.port, client_port)
    if inode is None:
        return None
    target = f"socket:[{inode}]"
    for pid in _workers(server.process.pid):
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                        return pid
    return None


@contextlib.asynccontextmanager
async def one_connection_per_worker(server: Server) -> AsyncIterator[dict[int, httpx.AsyncClient]]:
    """A kept-alive HTTP connection to each of the server's workers, by worker pid."""
    pinned: dict[int, httpx.AsyncClient] = {}
    spare: list[httpx.AsyncClient] = []
    try:
        for _ in range(60):
            client = httpx.AsyncClient(
                base_url=server.http, limits=httpx.Limits(max_connections=1), timeout=10
            )
            response = await client.get("/healthz")
            port = response.extensions["network_stream"].get_extra_info("client_addr")[1]
            pid = serving_worker(server, port)
            if pid is not None and pid not in pinned:
                pinned[pid] = client
            else:
                spare.append(client)
            if len(pinned) == 2:
                break
        assert len(pinned) == 2, (
            f"reached workers {sorted(pinned)} of {_workers(server.process.pid)}"
        )
        yield pinned
    finally:
        for client in [*pinned.values(), *spare]:
            await client.aclose()


@contextlib.asynccontextmanager
async def one_socket_per_worker(server: Server, token: str) -> AsyncIterator[dict[int, Client]]:
    """An authenticated websocket on each worker, by worker pid."""
    async with contextlib.AsyncExitStack() as stack:
        sockets: dict[int, Client] = {}
        for _ in range(60):
            client = await stack.enter_async_context(ws_client(server.ws, token))
            pid = serving_worker(server, client.ws.local_address[1])
            if pid is not None and pid not in sockets:
                sockets[pid] = client
            if len(sockets) == 2:
                break
        assert len(sockets) == 2
        yield sockets


async def test_a_revoked_key_is_refused_by_every_worker_at_the_next_request(
    server: Server, session: AsyncSession, net: Network
) -> None:
    first = new_key()
    async with httpx.AsyncClient(base_url=server.http, timeout=10) as http:
        account = await approved_account(http, net.fr_focal, net.moderator, first)
        old_token = await token_for(http, account["id"], first)

        # The system opens a case and submits it; the requested side sees it.
        created = await http.post(
            f"{API}/cases", json=case_payload(net.ita), headers=bearer(old_token)
        )
        assert created.status_code == 201, created.text
        case_id = created.json()["id"]
        submitted = await http.post(
            f"{API}/cases/{case_id}/transitions",
            json={"action": "submit"},
            headers=bearer(old_token),
        )
        assert submitted.status_code == 200, submitted.text
        seen = await http.get(f"{API}/cases/{case_id}", headers=net.it.headers)
        assert seen.status_code == 200 and seen.json()["title"] == case_payload(net.ita)["title"]

        # A second key rotates in; both work during the overlap.
        second = new_key("ES256")
        added = await http.post(
            f"{API}/service-accounts/{account['id']}/keys",
            json={"pem": second.public_pem},
            headers=net.fr_focal.headers,
        )
        assert added.status_code == 201, added.text
        second.kid = added.json()["kid"]
        new_token = await token_for(http, account["id"], second)

    async with (
        one_connection_per_worker(server) as workers,
        one_socket_per_worker(server, old_token) as sockets,
    ):
        for client in workers.values():
            for token in (old_token, new_token):
                assert (await client.get(f"{API}/cases", headers=bearer(token))).status_code == 200

        revoking, other = list(workers.values())
        revoked = await revoking.post(
            f"{API}/service-accounts/{account['id']}/keys/{first.kid}/revoke",
            headers=net.fr_focal.headers,
        )
        assert revoked.status_code == 200, revoked.text
        done = time.monotonic()
        # The very first request after the revocation, on each worker, is refused.
        lags = {}
        for pid, client in workers.items():
            answer = await client.get(f"{API}/cases", headers=bearer(old_token))
            lags[pid] = time.monotonic() - done
            assert answer.status_code == 401, (pid, answer.text)
            assert (await client.get(f"{API}/cases", headers=bearer(new_token))).status_code == 200
        # Live sockets opened with the old key's token close on both workers too (the
        # revocation event, or the once-a-second session re-check; the bound is the wait).
        for pid, socket in sockets.items():
            assert await socket.closed_with(timeout=5) == 4003, pid
        print(f"refused at the next request on each worker, after {lags}")

        refused = await request_token(other, assertion(account["id"], first))
        assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"

    [entry] = await audit_entries(session, "service_account.key_revoked", account["id"])
    assert entry.details["kid"] == first.kid and len(entry.details["sessions"]) == 1
    issued = await audit_entries(session, "service_account.token_issued", account["id"])
    assert [e.details["kid"] for e in issued] == [first.kid, second.kid]


async def test_events_reach_the_account_only_with_its_scope(
    server: Server, session: AsyncSession, net: Network
) -> None:
    listener_key, reader_key = new_key(), new_key()
    async with httpx.AsyncClient(base_url=server.http, timeout=10) as http:
        listener = await approved_account(
            http,
            net.it_focal,
            net.moderator,
            listener_key,
            name="Inbox",
            scopes=["cases:read", "events:read"],
        )
        reader = await approved_account(
            http, net.it_focal, net.moderator, reader_key, name="Reader", scopes=["cases:read"]
        )
        listening = await token_for(http, listener["id"], listener_key)
        reading = await token_for(http, reader["id"], reader_key)
        polled = await http.get(f"{API}/events", headers=bearer(reading))
        assert polled.status_code == 403 and polled.json()["scope"] == "events:read"
        async with ws_client(server.ws, None) as refused:
            await refused.ws.send(json.dumps({"type": "auth", "token": reading}))
            assert await refused.closed_with(timeout=5) == 4001
        async with ws_client(server.ws, listening) as socket:
            # An officer of the other authority submits a case to the account's authority.
            created = await http.post(
                f"{API}/cases", json=case_payload(net.ita), headers=net.fr.headers
            )
            case_id = created.json()["id"]
            submitted = await http.post(
                f"{API}/cases/{case_id}/transitions",
                json={"action": "submit"},
                headers=net.fr.headers,
            )
            assert submitted.status_code == 200, submitted.text
            event: dict[str, Any] = {}
            while event.get("event") != "case.transitioned":
                event = await socket.next_event(timeout=10)
            assert event["data"]["case_id"] == case_id
            # ...which it may read; a draft of the other side it never heard of stays hidden.
            draft = await http.post(
                f"{API}/cases", json=case_payload(net.ita), headers=net.fr.headers
            )
            hidden = await http.get(f"{API}/cases/{draft.json()['id']}", headers=bearer(listening))
            assert hidden.status_code == 404
            assert (
                await http.get(f"{API}/cases/{case_id}", headers=bearer(listening))
            ).status_code == 200
