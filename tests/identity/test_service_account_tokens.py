"""The token endpoint refuses every assertion it must, the OAuth way, and audits it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.identity.maintenance import purge_stale
from app.models.identity import UsedAssertion, UserSession
from tests.cases.conftest import Network
from tests.identity.service_account_kit import (
    API,
    ASSERTION_TYPE,
    AUDIENCE,
    KeyPair,
    approved_account,
    assertion,
    audit_entries,
    new_key,
    request_token,
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def hand_signed(
    header: dict[str, Any], claims: dict[str, Any], sign: Callable[[bytes], bytes]
) -> str:
    """A JWS built by hand: what an attacker sends, not what a library agrees to make."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{_b64(sign(signing_input.encode()))}"


def claims_for(account_id: str, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": account_id,
        "sub": account_id,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 60,
        "jti": uuid.uuid4().hex,
    }
    claims.update(overrides)
    return claims


@pytest.fixture
async def signer(client: httpx.AsyncClient, net: Network) -> tuple[dict[str, Any], KeyPair]:
    key = new_key()
    account = await approved_account(client, net.fr_focal, net.moderator, key)
    return account, key


async def test_a_replayed_assertion_is_refused(
    client: httpx.AsyncClient, session: AsyncSession, signer: tuple[dict[str, Any], KeyPair]
) -> None:
    account, key = signer
    signed = assertion(account["id"], key)
    first = await request_token(client, signed)
    assert first.status_code == 200, first.text
    again = await request_token(client, signed)
    assert again.status_code == 400, again.text
    assert again.headers["content-type"] == "application/problem+json"
    problem = again.json()
    assert problem["error"] == "invalid_grant"
    assert problem["type"] == "urn:canet:problem:invalid-grant"
    assert problem["error_description"] == problem["detail"]
    # The same jti in a freshly signed assertion is a replay too.
    jti = json.loads(base64.urlsafe_b64decode(signed.split(".")[1] + "=="))["jti"]
    resigned = await request_token(client, assertion(account["id"], key, jti=jti))
    assert resigned.status_code == 400 and resigned.json()["error"] == "invalid_grant"
    refusals = await audit_entries(session, "service_account.token_refused", account["id"])
    assert [e.details["error"] for e in refusals] == ["invalid_grant", "invalid_grant"]
    assert len(await audit_entries(session, "service_account.token_issued", account["id"])) == 1


def client_at(app: FastAPI, address: str) -> httpx.AsyncClient:
    """A client calling from `address` (refusals are throttled per address)."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_assertions_that_must_not_verify(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    signer: tuple[dict[str, Any], KeyPair],
    net: Network,
) -> None:
    account, key = signer
    account_id = account["id"]
    now = int(time.time())
    public_pem = key.public_pem.encode()
    other = new_key()
    other.kid = key.kid
    cases: dict[str, str] = {
        "wrong audience": assertion(account_id, key, audience="http://testserver/api/v1/cases"),
        "another server's audience": assertion(
            account_id, key, audience="https://elsewhere.example/api/v1/oauth/token"
        ),
        "expired": assertion(account_id, key, iat=now - 400, lifetime=120),
        "lives too long": assertion(account_id, key, lifetime=600),
        "issued in the future": assertion(account_id, key, iat=now + 600, lifetime=60),
        "sub is not iss": assertion(account_id, key, claims={"sub": str(uuid.uuid4())}),
        "no jti": assertion(account_id, key, claims={"jti": None}),
        "signed by another key": assertion(account_id, other),
        "unknown kid": assertion(account_id, key, headers={"kid": "nope"}),
        "unknown account": assertion(str(uuid.uuid4()), key),
        "alg none": hand_signed(
            {"alg": "none", "typ": "JWT", "kid": key.kid}, claims_for(account_id), lambda _: b""
        ),
        "HS256 with the public key as secret": hand_signed(
            {"alg": "HS256", "typ": "JWT", "kid": key.kid},
            claims_for(account_id),
            lambda data: hmac.new(public_pem, data, hashlib.sha256).digest(),
        ),
        "ES256 named for an EdDSA key": hand_signed(
            {"alg": "ES256", "typ": "JWT", "kid": key.kid},
            claims_for(account_id),
            lambda data: key.private.sign(data),  # type: ignore[call-arg]
        ),
        "not a JWT": "not.a.jwt",
    }
    for n, (label, signed) in enumerate(cases.items()):
        async with client_at(app, f"10.0.0.{n + 1}") as caller:
            answer = await request_token(caller, signed)
        assert answer.status_code == 401, (label, answer.text)
        assert answer.json()["error"] == "invalid_client", label
        assert answer.json()["type"] == "urn:canet:problem:invalid-client", label
    mismatch = await request_token(client, assertion(account_id, key), client_id=str(uuid.uuid4()))
    assert mismatch.status_code == 401 and mismatch.json()["error"] == "invalid_client"
    # Nothing was issued; each refusal about this account was audited with its reason.
    assert await audit_entries(session, "service_account.token_issued", account_id) == []
    refusals = await audit_entries(session, "service_account.token_refused", account_id)
    assert len(refusals) >= 10
    assert all(e.outcome == "denied" and e.actor_user_id is None for e in refusals)


async def test_malformed_requests_answer_the_oauth_way(
    client: httpx.AsyncClient, signer: tuple[dict[str, Any], KeyPair]
) -> None:
    account, key = signer
    signed = assertion(account["id"], key)
    for data, status, error in (
        ({}, 400, "invalid_request"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"grant_type": "client_credentials", "client_assertion": signed}, 400, "invalid_request"),
        (
            {"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE},
            400,
            "invalid_request",
        ),
        (
            {
                "grant_type": "client_credentials",
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:saml2-bearer",
                "client_assertion": signed,
            },
            400,
            "invalid_request",
        ),
    ):
        answer = await client.post(f"{API}/oauth/token", data=data)
        assert answer.status_code == status, (data, answer.text)
        assert answer.json()["error"] == error
        assert answer.headers["cache-control"] == "no-store"
    as_json = await client.post(
        f"{API}/oauth/token",
        json={"grant_type": "client_credentials", "client_assertion": signed},
    )
    assert as_json.status_code == 400 and as_json.json()["error"] == "invalid_request"
    # None of these spent the assertion.
    assert (await request_token(client, signed)).status_code == 200


async def test_refusals_are_throttled_per_address(
    app: FastAPI, client: httpx.AsyncClient, signer: tuple[dict[str, Any], KeyPair]
) -> None:
    account, key = signer
    stranger = new_key()
    stranger.kid = key.kid
    async with client_at(app, "10.9.9.9") as attacker:
        statuses = [
            (await request_token(attacker, assertion(account["id"], stranger))).status_code
            for _ in range(11)
        ]
        assert statuses == [401] * 11
        blocked = await request_token(attacker, assertion(account["id"], key))
        assert blocked.status_code == 429, blocked.text
        assert int(blocked.headers["retry-after"]) >= 1
        assert blocked.json()["error"] == "invalid_request"
    # The account itself is not locked out: its system, elsewhere, signs in.
    assert (await request_token(client, assertion(account["id"], key))).status_code == 200


async def test_spent_assertions_and_old_sessions_are_purged_once_useless(
    client: httpx.AsyncClient, session: AsyncSession, signer: tuple[dict[str, Any], KeyPair]
) -> None:
    account, key = signer
    account_id = uuid.UUID(account["id"])
    live_session = await token_for_session(client, account["id"], key)
    old_session = await token_for_session(client, account["id"], key)
    # One assertion whose expiry has passed, one token whose session ended two days ago.
    session.add(
        UsedAssertion(
            service_account_id=account_id,
            jti="long-gone",
            expires_at=datetime.now(UTC) - timedelta(seconds=1),
        )
    )
    await session.execute(
        sa.update(UserSession)
        .where(col(UserSession.id) == old_session)
        .values(expires_at=datetime.now(UTC) - timedelta(days=2))
    )
    await session.commit()

    await purge_stale(session)
    await session.commit()

    jtis = (
        (
            await session.execute(
                select(col(UsedAssertion.jti)).where(
                    col(UsedAssertion.service_account_id) == account_id
                )
            )
        )
        .scalars()
        .all()
    )
    assert len(jtis) == 2 and "long-gone" not in jtis  # the two live assertions stay
    kept = (
        (
            await session.execute(
                select(col(UserSession.id)).where(col(UserSession.user_id) == account_id)
            )
        )
        .scalars()
        .all()
    )
    assert set(kept) == {live_session}


async def token_for_session(client: httpx.AsyncClient, account_id: str, key: KeyPair) -> uuid.UUID:
    """Issue a token; the id of the session it opened."""
    answer = await request_token(client, assertion(account_id, key))
    assert answer.status_code == 200, answer.text
    claims = json.loads(
        base64.urlsafe_b64decode(answer.json()["access_token"].split(".")[1] + "==")
    )
    return uuid.UUID(claims["sid"])
