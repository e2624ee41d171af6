"""JWT attacks against the API: each forged or stale token is refused with 401."""

from __future__ import annotations

import time

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.tokens import signing_key
from tests.factories import TEST_SECRET_KEY, make_member


def _claims(member, **overrides):
    now = int(time.time())
    claims = {
        "sub": str(member.id),
        "sid": str(member.session_id),
        "iat": now,
        "exp": now + 600,
        "iss": "canet",
        "aud": "canet-api",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


async def _status(client: httpx.AsyncClient, token: str) -> int:
    r = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    return r.status_code


async def test_forged_tokens_are_refused(client: httpx.AsyncClient, session: AsyncSession):
    member = await make_member(session)
    await session.commit()
    key = signing_key(TEST_SECRET_KEY)
    good = jwt.encode(_claims(member), key, algorithm="HS256")
    assert await _status(client, good) == 200

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header, payload, _sig = good.split(".")
    forged = {
        "alg none": jwt.encode(_claims(member), None, algorithm="none"),
        "alg none, signature kept": jwt.encode(_claims(member), None, algorithm="none") + _sig,
        "HS512, not the pinned algorithm": jwt.encode(_claims(member), key * 2, algorithm="HS512"),
        "RS256 with an attacker key": jwt.encode(_claims(member), private, algorithm="RS256"),
        # HS/RS confusion: HMAC keyed with a public key the attacker knows
        "HS256 keyed with a public key": _hs256(_claims(member), public_pem),
        "HS256 with another secret": jwt.encode(_claims(member), b"x" * 32, algorithm="HS256"),
        "expired": jwt.encode(
            _claims(member, iat=int(time.time()) - 3600, exp=int(time.time()) - 60),
            key,
            algorithm="HS256",
        ),
        "wrong audience": jwt.encode(_claims(member, aud="other-api"), key, algorithm="HS256"),
        "wrong issuer": jwt.encode(_claims(member, iss="evil"), key, algorithm="HS256"),
        "no session id": jwt.encode(_claims(member, sid=None), key, algorithm="HS256"),
        "no expiry": jwt.encode(_claims(member, exp=None), key, algorithm="HS256"),
        "tampered payload": f"{header}.{payload[:-2]}AA.{_sig}",
        "someone else's session": jwt.encode(
            _claims(member, sid="00000000-0000-0000-0000-000000000000"), key, algorithm="HS256"
        ),
    }
    for name, token in forged.items():
        assert await _status(client, token) == 401, name


def _hs256(claims: dict, secret: bytes) -> str:
    # PyJWT itself refuses to HMAC with a PEM key, so build the token by hand as an attacker.
    import base64
    import hashlib
    import hmac
    import json

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = (
        b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        + "."
        + b64(json.dumps(claims).encode())
    )
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64(signature)
