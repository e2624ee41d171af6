"""The shared auth plumbing: bearer tokens, live-session checks, permission dependency."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.auth.dependencies import CurrentUser, RequirePermission
from app.auth.permissions import Permission, permissions_for
from app.auth.tokens import InvalidToken, decode_access_token, signing_key
from app.config import Settings
from app.db import Database
from app.main import create_app
from tests.factories import TEST_SECRET_KEY, make_authority, make_member


@pytest.fixture
async def probe(settings: Settings, db: Database) -> httpx.AsyncClient:
    app: FastAPI = create_app(settings, database=db)

    @app.get("/api/v1/_whoami")
    async def whoami(actor: CurrentUser) -> dict[str, str]:
        return {"id": str(actor.user_id)}

    @app.get("/api/v1/_audit_only", dependencies=[RequirePermission(Permission.AUDIT_READ)])
    async def audit_only() -> dict[str, str]:
        return {"ok": "yes"}

    app.state.db = db
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_bearer_token_identifies_member(probe: httpx.AsyncClient, session: AsyncSession):
    member = await make_member(session, authority=await make_authority(session))
    await session.commit()
    response = await probe.get("/api/v1/_whoami", headers=member.headers)
    assert response.status_code == 200
    assert response.json() == {"id": str(member.id)}


async def test_missing_or_garbage_token_is_401(probe: httpx.AsyncClient) -> None:
    assert (await probe.get("/api/v1/_whoami")).status_code == 401
    bad = await probe.get("/api/v1/_whoami", headers={"Authorization": "Bearer nonsense"})
    assert bad.status_code == 401
    assert bad.headers["content-type"] == "application/problem+json"


async def test_suspension_and_revocation_take_effect_immediately(
    probe: httpx.AsyncClient, session: AsyncSession
) -> None:
    member = await make_member(session)
    other = await make_member(session)
    await session.commit()
    member.user.status = "suspended"
    session.add(member.user)
    await session.commit()
    assert (await probe.get("/api/v1/_whoami", headers=member.headers)).status_code == 401

    from app.models.identity import UserSession

    user_session = await session.get(UserSession, other.session_id)
    assert user_session is not None
    user_session.revoked_at = datetime.now(UTC)
    await session.commit()
    assert (await probe.get("/api/v1/_whoami", headers=other.headers)).status_code == 401


async def test_expired_vetting_is_refused(probe: httpx.AsyncClient, session: AsyncSession):
    member = await make_member(session, vetting_expires_at=datetime.now(UTC) - timedelta(days=1))
    await session.commit()
    response = await probe.get("/api/v1/_whoami", headers=member.headers)
    assert response.status_code == 403
    assert response.json()["type"] == "urn:canet:problem:vetting-expired"


async def test_permission_dependency(probe: httpx.AsyncClient, session: AsyncSession) -> None:
    officer = await make_member(session, roles=["officer"])
    auditor = await make_member(session, roles=["auditor"])
    await session.commit()
    assert (await probe.get("/api/v1/_audit_only", headers=officer.headers)).status_code == 403
    assert (await probe.get("/api/v1/_audit_only", headers=auditor.headers)).status_code == 200


def test_algorithm_is_pinned() -> None:
    claims = {
        "sub": "00000000-0000-0000-0000-000000000001",
        "sid": "00000000-0000-0000-0000-000000000002",
        "iat": 1,
        "exp": 4102444800,
        "iss": "canet",
        "aud": "canet-api",
    }
    unsigned = jwt.encode(claims, key=None, algorithm="none")
    with pytest.raises(InvalidToken):
        decode_access_token(TEST_SECRET_KEY, unsigned)
    hs512 = jwt.encode(claims, signing_key(TEST_SECRET_KEY) * 2, algorithm="HS512")
    with pytest.raises(InvalidToken):
        decode_access_token(TEST_SECRET_KEY, hs512)
    good = jwt.encode(claims, signing_key(TEST_SECRET_KEY), algorithm="HS256")
    assert decode_access_token(TEST_SECRET_KEY, good).user_id.int == 1
    wrong_aud = jwt.encode({**claims, "aud": "x"}, signing_key(TEST_SECRET_KEY), algorithm="HS256")
    with pytest.raises(InvalidToken):
        decode_access_token(TEST_SECRET_KEY, wrong_aud)


@pytest.mark.parametrize(
    ("expires_in", "lapsed"),
    [
        (timedelta(days=-1), True),
        (timedelta(0), True),  # the expiry instant itself is past the vetting
        (timedelta(seconds=1), False),
        (None, False),  # a member with no expiry (the bootstrapped admin) never lapses
    ],
)
def test_for_member_applies_the_vetting_rule(expires_in: timedelta | None, lapsed: bool) -> None:
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    actor = Actor.for_member(
        user_id=uuid.uuid4(),
        roles=["officer", "moderator"],
        authority_id=uuid.uuid4(),
        focal_point=True,
        handle="ana.member",
        vetting_expires_at=None if expires_in is None else now + expires_in,
        now=now,
    )
    assert actor.vetting_expired is lapsed
    # Lapsed: the roles stay known (shown on /me) but grant nothing.
    assert actor.roles == frozenset({"officer", "moderator"})
    assert actor.permissions == (
        frozenset() if lapsed else permissions_for(frozenset({"officer", "moderator"}))
    )
    assert actor.can(Permission.FORUM_READ) is not lapsed
