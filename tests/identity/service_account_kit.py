"""Service accounts in tests: real keys, real signed assertions, accounts made through the API."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.models.audit import AuditEntry
from tests.factories import Member

API = "/api/v1"
# The test settings' and test servers' CANET_BASE_URL is http://testserver.
AUDIENCE = "http://testserver/api/v1/oauth/token"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ALL_SCOPES = ["cases:read", "cases:write", "directory:read", "events:read"]

PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey


@dataclass
class KeyPair:
    private: PrivateKey
    alg: str  # EdDSA | ES256
    kid: str | None = None  # as registered

    @property
    def public_pem(self) -> str:
        return (
            self.private.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )


def new_key(alg: str = "EdDSA") -> KeyPair:
    if alg == "EdDSA":
        return KeyPair(ed25519.Ed25519PrivateKey.generate(), "EdDSA")
    return KeyPair(ec.generate_private_key(ec.SECP256R1()), "ES256")


def assertion(
    account_id: str,
    key: KeyPair,
    *,
    audience: str = AUDIENCE,
    lifetime: int = 120,
    iat: int | None = None,
    jti: str | None = None,
    claims: dict[str, Any] | None = None,
    headers: dict[str, Any] | None = None,
) -> str:
    now = int(time.time()) if iat is None else iat
    body: dict[str, Any] = {
        "iss": account_id,
        "sub": account_id,
        "aud": audience,
        "iat": now,
        "exp": now + lifetime,
        "jti": jti or uuid.uuid4().hex,
    }
    body.update(claims or {})
    return jwt.encode(
        body, key.private, algorithm=key.alg, headers={"kid": key.kid, **(headers or {})}
    )


def token_form(signed: str, **extra: str) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": signed,
        **extra,
    }


async def request_token(
    client: httpx.AsyncClient, signed: str, *, headers: dict[str, str] | None = None, **extra: str
) -> httpx.Response:
    return await client.post(
        f"{API}/oauth/token", data=token_form(signed, **extra), headers=headers or {}
    )


async def token_for(client: httpx.AsyncClient, account_id: str, key: KeyPair, **extra: str) -> str:
    response = await request_token(client, assertion(account_id, key), **extra)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def propose(
    client: httpx.AsyncClient,
    focal: Member,
    key: KeyPair,
    *,
    name: str = "National case system",
    scopes: list[str] | None = None,
    ip_allowlist: list[str] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "scopes": scopes if scopes is not None else ALL_SCOPES,
        "public_key": {"pem": key.public_pem, **({"kid": key.kid} if key.kid else {})},
    }
    if ip_allowlist is not None:
        body["ip_allowlist"] = ip_allowlist
    response = await client.post(f"{API}/service-accounts", json=body, headers=focal.headers)
    assert response.status_code == 201, response.text
    account = response.json()
    key.kid = account["keys"][0]["kid"]
    return account


async def approved_account(
    client: httpx.AsyncClient,
    focal: Member,
    moderator: Member,
    key: KeyPair,
    **options: Any,
) -> dict[str, Any]:
    account = await propose(client, focal, key, **options)
    response = await client.post(
        f"{API}/service-accounts/{account['id']}/approve", headers=moderator.headers
    )
    assert response.status_code == 200, response.text
    return response.json()


async def audit_entries(
    session: AsyncSession, action: str, target_id: str | None = None
) -> list[AuditEntry]:
    statement = select(AuditEntry).where(col(AuditEntry.action) == action)
    if target_id is not None:
        statement = statement.where(col(AuditEntry.target_id) == target_id)
    return list((await session.execute(statement.order_by(col(AuditEntry.id)))).scalars().all())
