"""Shared steps of the identity tests: read queued mails, walk the sign-in flow."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pyotp
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.auth.actor import Actor
from app.identity import mfa, passwords
from app.models.audit import AuditEntry
from app.models.identity import User
from app.models.mail import OutgoingMail
from tests.factories import TEST_SECRET_KEY

PASSWORD = "a long and unusual passphrase 42"
_HASH: dict[str, str] = {}


async def password_hash() -> str:
    if PASSWORD not in _HASH:
        _HASH[PASSWORD] = await passwords.hash_password(PASSWORD)
    return _HASH[PASSWORD]


async def mails_to(session: AsyncSession, address: str) -> list[OutgoingMail]:
    return list(
        (
            await session.execute(
                select(OutgoingMail)
                .where(col(OutgoingMail.to_address) == address)
                .order_by(col(OutgoingMail.created_at))
            )
        )
        .scalars()
        .all()
    )


def token_in(body: str, path: str) -> str:
    match = re.search(rf"http://testserver/{path}\?token=([A-Za-z0-9_\-]+)", body)
    assert match, body
    return match.group(1)


async def audit_actions(session: AsyncSession) -> list[str]:
    return list(
        (await session.execute(select(AuditEntry.action).order_by(col(AuditEntry.id))))
        .scalars()
        .all()
    )


def application_body(authority_id: uuid.UUID, email: str, **extra: Any) -> dict[str, Any]:
    return {
        "email": email,
        "full_name": "Ana Pereira",
        "password": PASSWORD,
        "authority_id": str(authority_id),
        "position": "Prosecutor, international cooperation unit",
        "justification": "I handle outgoing MLA requests to Latin America.",
        **extra,
    }


async def enrolled_user(
    session: AsyncSession, *, email: str, roles: list[str] | None = None
) -> tuple[User, str]:
    """A member with a real password and TOTP enrolled; returns (user, clear TOTP secret)."""
    from datetime import UTC, datetime, timedelta

    secret = mfa.new_secret()
    user = User(
        email=email,
        handle=email.split("@")[0].replace("_", "."),
        full_name="Test Person",
        password_hash=await password_hash(),
        roles=roles or ["officer"],
        vetting_expires_at=datetime.now(UTC) + timedelta(days=100),
        totp_secret=mfa.seal_secret(TEST_SECRET_KEY, secret),
        mfa_enrolled_at=datetime.now(UTC),
    )
    session.add(user)
    await session.flush()
    return user, secret


def code_for(secret: str, offset: int = 0) -> str:
    return mfa.code_at_step(secret, mfa.current_step() + offset)


async def sign_in(
    client: httpx.AsyncClient, email: str, secret: str, *, offset: int = 0
) -> dict[str, Any]:
    first = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert first.status_code == 200, first.text
    second = await client.post(
        "/api/v1/auth/mfa/verify",
        json={"challenge_token": first.json()["challenge_token"], "code": code_for(secret, offset)},
    )
    assert second.status_code == 200, second.text
    return dict(second.json())


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


__all__ = ["Actor", "pyotp"]
