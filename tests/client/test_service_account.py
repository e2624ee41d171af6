"""A national case system through the SDK: a service account signs in with its key file,
creates and submits a case, and an officer of the other authority sees it."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from canet_client import (
    AsyncCanetClient,
    CanetClient,
    Forbidden,
    KeyFile,
    ServiceAccountCredentials,
    Unauthorized,
    generate_key,
)
from canet_client.service_account import jwk_thumbprint, load_private_key
from sqlalchemy.ext.asyncio import AsyncSession

from tests.client.conftest import CLI, World, case_fields, cli_env
from tests.factories import Member, make_member
from tests.servers import Server

TOKEN_ENDPOINT = "POST /api/v1/oauth/token"
# The servers under test say CANET_BASE_URL=http://testserver: the audience they expect.
AUDIENCE = "http://testserver/api/v1/oauth/token"


@pytest.fixture
def service_accounts_served(server: Server) -> None:
    paths = httpx.get(f"{server.http}/api/v1/openapi.json", timeout=30).json()["paths"]
    if (
        "post" not in paths.get("/api/v1/oauth/token", {})
        or "/api/v1/service-accounts" not in paths
    ):
        pytest.skip(f"{TOKEN_ENDPOINT} (service accounts) is not served yet")


async def _approved_account(
    world: World, session: AsyncSession, key_pem: str, scopes: list[str]
) -> dict[str, Any]:
    focal = await make_member(session, authority=world.fra, focal_point=True)
    moderator: Member = await make_member(session, roles=["moderator"])
    await session.commit()
    async with httpx.AsyncClient(base_url=f"{world.url}/api/v1", timeout=30) as http:
        proposed = await http.post(
            "/service-accounts",
            json={"name": "Case system", "scopes": scopes, "public_key": {"pem": key_pem}},
            headers=focal.headers,
        )
        assert proposed.status_code == 201, proposed.text
        account = proposed.json()
        approved = await http.post(
            f"/service-accounts/{account['id']}/approve", headers=moderator.headers
        )
        assert approved.status_code == 200, approved.text
        return dict(approved.json())


@pytest.mark.usefixtures("service_accounts_served")
async def test_a_service_account_submits_a_case_the_other_side_sees(
    world: World, session: AsyncSession, tmp_path: Path
) -> None:
    private, public = generate_key("EdDSA")
    account = await _approved_account(
        world, session, public, ["cases:read", "cases:write", "directory:read", "events:read"]
    )
    (key,) = account["keys"]
    assert key["kid"] == jwk_thumbprint(load_private_key(private))  # the kid canet gives it
    key_file = tmp_path / "case-system.json"
    KeyFile(account_id=account["id"], kid=key["kid"], private_key=private, audience=AUDIENCE).write(
        key_file
    )

    credentials = ServiceAccountCredentials.from_key_file(key_file)
    with CanetClient(world.url, credentials) as system, world.sdk(world.it) as it:
        case = system.cases.create(**case_fields(world.ita, title="From the national system"))
        system.cases.upload(case.id, b"the national file\n", filename="file.txt")
        assert system.cases.submit(case.id).status == "submitted"
        first_token = system._session.tokens
        assert first_token is not None and first_token.refresh_token is None

        # The other authority's officer sees it in the inbox, and opens it.
        incoming = [c.id for c in it.cases.list(box="incoming")]
        assert incoming == [case.id]
        seen = it.cases.get(case.id)
        assert seen.status in ("submitted", "received")
        assert seen.requesting_authority_id == str(world.fra.id)

        # A refused token is replaced by a new one from a fresh assertion (no refresh token).
        first_token.access_token = "refused"
        assert system.cases.get(case.id).id == case.id
        assert system._session.tokens is not None
        assert system._session.tokens.access_token not in ("refused", None)

    # The system follows its events on the websocket: the other side's acknowledgement.
    async with AsyncCanetClient(world.url, credentials) as system:
        head = (await system.events.poll(None, 0)).last_id
        events = aiter(system.events.stream(after=head))
        with world.sdk(world.it) as it:
            it.cases.transition(case.id, "acknowledge")
        while True:
            event = await asyncio.wait_for(anext(events), timeout=20)
            if event.event == "case.transitioned":
                break
        assert event.case_id == case.id
        await events.aclose()  # type: ignore[attr-defined]

    # The command line with a service-account profile.
    config = tmp_path / "canet.toml"
    config.write_text(f'[profiles.default]\nbase_url = "{world.url}"\nkey_file = "{key_file}"\n')
    env = cli_env(tmp_path, CANET_CLIENT_CONFIG=str(config))
    done = subprocess.run(
        [*CLI, "--json", "cases", "list"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert [c["id"] for c in json.loads(done.stdout)] == [case.id]


@pytest.mark.usefixtures("service_accounts_served")
async def test_a_read_only_service_account_gets_forbidden_on_writes(
    world: World, session: AsyncSession, tmp_path: Path
) -> None:
    private, public = generate_key("ES256")
    account = await _approved_account(world, session, public, ["cases:read"])
    credentials = ServiceAccountCredentials(
        account["id"], account["keys"][0]["kid"], private, audience=AUDIENCE
    )
    with CanetClient(world.url, credentials) as system:
        assert list(system.cases.list()) == []
        with pytest.raises(Forbidden) as refused:
            system.cases.create(**case_fields(world.ita))
        assert refused.value.code == "insufficient-scope"

    wrong = ServiceAccountCredentials(
        account["id"], account["keys"][0]["kid"], generate_key("ES256")[0], audience=AUDIENCE
    )
    with CanetClient(world.url, wrong) as impostor, pytest.raises(Unauthorized):
        impostor.cases.list().pages().__next__()
