"""Sign-in failure paths: unknown emails, wrong codes, expired challenges, throttling, cookies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.auth.dependencies import CSRF_HEADER, DEV_SESSION_COOKIE, SESSION_COOKIE
from app.identity import passwords, throttling
from app.models.audit import AuditEntry
from app.models.identity import LoginThrottle, OneTimeToken
from tests.identity.helpers import (
    PASSWORD,
    audit_actions,
    bearer,
    code_for,
    enrolled_user,
    sign_in,
)

LOGIN = "/api/v1/auth/login"


async def test_unknown_email_answers_like_a_wrong_password(
    client: httpx.AsyncClient, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    await enrolled_user(session, email="known@example.org")
    await session.commit()
    # No timing oracle: both paths run exactly one real argon2 verification. Counted, not
    # timed (timings belong in `make bench`, never in assertions).
    verifications: list[str] = []
    real_verify = passwords._verify

    def counting_verify(password: str, stored: str) -> tuple[bool, str | None]:
        verifications.append(stored.split("$", 2)[1] if stored.startswith("$") else stored)
        return real_verify(password, stored)

    monkeypatch.setattr(passwords, "_verify", counting_verify)
    bodies = {}
    counts = {}
    for label, email in (("known", "known@example.org"), ("unknown", "nobody@example.org")):
        verifications.clear()
        response = await client.post(LOGIN, json={"email": email, "password": "wrong password 1"})
        assert response.status_code == 401
        body = response.json()
        body.pop("request_id", None)
        bodies[label] = body
        counts[label] = list(verifications)
    assert bodies["known"] == bodies["unknown"]
    assert counts["known"] == counts["unknown"] == ["argon2id"]
    failed = (
        (
            await session.execute(
                select(AuditEntry).where(col(AuditEntry.action) == "auth.login.failed")
            )
        )
        .scalars()
        .all()
    )
    assert len(failed) == 2 and all(e.outcome == "denied" for e in failed)


async def test_wrong_codes_kill_the_challenge(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    _user, secret = await enrolled_user(session, email="codes@example.org")
    await session.commit()
    first = await client.post(LOGIN, json={"email": "codes@example.org", "password": PASSWORD})
    challenge = first.json()["challenge_token"]
    for _ in range(5):
        r = await client.post(
            "/api/v1/auth/mfa/verify", json={"challenge_token": challenge, "code": "000000"}
        )
        assert r.status_code == 401
    # the right code no longer helps: the challenge died after five wrong ones
    r = await client.post(
        "/api/v1/auth/mfa/verify", json={"challenge_token": challenge, "code": code_for(secret)}
    )
    assert r.status_code == 401
    assert r.json()["type"].endswith("invalid-challenge")
    assert (await audit_actions(session)).count("auth.mfa.failed") == 5


async def test_expired_challenge_is_refused(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    _user, secret = await enrolled_user(session, email="slow@example.org")
    await session.commit()
    first = await client.post(LOGIN, json={"email": "slow@example.org", "password": PASSWORD})
    await session.execute(
        update(OneTimeToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    )
    await session.commit()
    r = await client.post(
        "/api/v1/auth/mfa/verify",
        json={"challenge_token": first.json()["challenge_token"], "code": code_for(secret)},
    )
    assert r.status_code == 401


async def test_enrollment_challenge_cannot_skip_enrollment(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user, _secret = await enrolled_user(session, email="new@example.org")
    user.mfa_enrolled_at = None
    user.totp_secret = None
    await session.commit()
    first = await client.post(LOGIN, json={"email": "new@example.org", "password": PASSWORD})
    assert first.json()["status"] == "mfa_enrollment_required"
    r = await client.post(
        "/api/v1/auth/mfa/verify",
        json={"challenge_token": first.json()["challenge_token"], "code": "123456"},
    )
    assert r.status_code == 409
    # an mfa challenge cannot be used to enroll a new secret over an existing one
    await enrolled_user(session, email="other@example.org")
    await session.commit()
    r = await client.post(LOGIN, json={"email": "other@example.org", "password": PASSWORD})
    r = await client.post(
        "/api/v1/auth/mfa/enroll", json={"challenge_token": r.json()["challenge_token"]}
    )
    assert r.status_code == 401


async def test_throttling_delays_then_locks_and_is_audited(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    _user, secret = await enrolled_user(session, email="target@example.org")
    await session.commit()
    statuses = []
    for _ in range(throttling.ACCOUNT.free_failures + 1):
        r = await client.post(LOGIN, json={"email": "target@example.org", "password": "nope" * 4})
        statuses.append(r.status_code)
    assert statuses == [401] * (throttling.ACCOUNT.free_failures + 1)
    # now blocked for a growing delay: even the right password waits
    r = await client.post(LOGIN, json={"email": "target@example.org", "password": PASSWORD})
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) >= 1
    # push the counter to the lock threshold (state shared through PostgreSQL)
    await session.execute(
        update(LoginThrottle)
        .where(col(LoginThrottle.key) == "account:target@example.org")
        .values(failures=throttling.ACCOUNT.lock_after - 1, blocked_until=None)
    )
    await session.commit()
    r = await client.post(LOGIN, json={"email": "target@example.org", "password": "nope" * 4})
    assert r.status_code == 401
    r = await client.post(LOGIN, json={"email": "target@example.org", "password": PASSWORD})
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 800
    actions = await audit_actions(session)
    assert "auth.login.locked" in actions and "auth.login.throttled" in actions
    # an unknown email is throttled exactly alike (no way to tell accounts apart)
    for _ in range(throttling.ACCOUNT.free_failures + 1):
        await client.post(LOGIN, json={"email": "ghost@example.org", "password": "nope" * 4})
    r = await client.post(LOGIN, json={"email": "ghost@example.org", "password": "nope" * 4})
    assert r.status_code == 429
    # after the lock, a success clears the account's counter
    await session.execute(update(LoginThrottle).values(blocked_until=None, locked=False))
    await session.commit()
    await sign_in(client, "target@example.org", secret)
    session.expire_all()
    assert await session.get(LoginThrottle, "account:target@example.org") is None


async def test_address_throttle_spans_accounts(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    limit = throttling.ADDRESS.free_failures
    for n in range(limit + 1):
        r = await client.post(LOGIN, json={"email": f"u{n}@example.org", "password": "x" * 12})
        assert r.status_code == 401
    r = await client.post(LOGIN, json={"email": "fresh@example.org", "password": "x" * 12})
    assert r.status_code == 429


async def test_sessions_list_and_revoke(client: httpx.AsyncClient, session: AsyncSession) -> None:
    _user, secret = await enrolled_user(session, email="multi@example.org")
    _other, other_secret = await enrolled_user(session, email="someone@example.org")
    await session.commit()
    laptop = await sign_in(client, "multi@example.org", secret)
    phone = await sign_in(client, "multi@example.org", secret, offset=1)
    stranger = await sign_in(client, "someone@example.org", other_secret)
    listed = (await client.get("/api/v1/me/sessions", headers=bearer(laptop))).json()
    assert len(listed) == 2
    assert [s["current"] for s in listed].count(True) == 1
    phone_id = next(s["id"] for s in listed if not s["current"])
    # another member cannot see or revoke it
    r = await client.delete(f"/api/v1/me/sessions/{phone_id}", headers=bearer(stranger))
    assert r.status_code == 404
    r = await client.delete(f"/api/v1/me/sessions/{phone_id}", headers=bearer(laptop))
    assert r.status_code == 204
    assert (await client.get("/api/v1/me", headers=bearer(phone))).status_code == 401
    assert (await client.get("/api/v1/me", headers=bearer(laptop))).status_code == 200
    r = await client.post("/api/v1/auth/logout", headers=bearer(laptop))
    assert r.status_code == 204
    assert (await client.get("/api/v1/me", headers=bearer(laptop))).status_code == 401


async def test_cookie_session_needs_csrf_header_on_writes(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    _user, secret = await enrolled_user(session, email="browser@example.org")
    await session.commit()
    first = await client.post(LOGIN, json={"email": "browser@example.org", "password": PASSWORD})
    r = await client.post(
        "/api/v1/auth/mfa/verify",
        json={
            "challenge_token": first.json()["challenge_token"],
            "code": code_for(secret),
            "session": "cookie",
        },
    )
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "cookie"
    assert body["access_token"] is None and body["refresh_token"] is None
    set_cookie = r.headers.get_list("set-cookie")
    session_cookie = next(c for c in set_cookie if c.startswith(SESSION_COOKIE + "="))
    for attribute in ("HttpOnly", "Secure", "SameSite=strict", "Path=/"):
        assert attribute.lower() in session_cookie.lower()
    cookie_value = session_cookie.split(";", 1)[0].split("=", 1)[1]
    client.cookies.clear()
    # Sent by hand: the test client speaks plain http, where a jar holds Secure cookies back.
    jar = {"Cookie": f"{SESSION_COOKIE}={cookie_value}"}
    me = await client.get("/api/v1/me", headers=jar)
    assert me.status_code == 200 and me.json()["email"] == "browser@example.org"
    # a write without the CSRF header is refused; with it, it works
    r = await client.post("/api/v1/auth/logout", headers=jar)
    assert r.status_code == 403
    r = await client.post("/api/v1/auth/logout", headers={**jar, CSRF_HEADER: "0" * 64})
    assert r.status_code == 403
    r = await client.post("/api/v1/auth/logout", headers={**jar, CSRF_HEADER: body["csrf_token"]})
    assert r.status_code == 204
    assert (await client.get("/api/v1/me", headers=jar)).status_code == 401
    # a made-up cookie is simply not a session
    assert (
        await client.get("/api/v1/me", headers={"Cookie": f"{DEV_SESSION_COOKIE}=x"})
    ).status_code == 401


async def test_plain_http_development_cookie(
    client: httpx.AsyncClient, session: AsyncSession, monkeypatch
) -> None:
    from app.identity.settings import identity_settings

    monkeypatch.setenv("CANET_COOKIE_SECURE", "false")
    identity_settings.cache_clear()
    try:
        _user, secret = await enrolled_user(session, email="dev@example.org")
        await session.commit()
        first = await client.post(LOGIN, json={"email": "dev@example.org", "password": PASSWORD})
        r = await client.post(
            "/api/v1/auth/mfa/verify",
            json={
                "challenge_token": first.json()["challenge_token"],
                "code": code_for(secret),
                "session": "cookie",
            },
        )
        cookie = next(
            c for c in r.headers.get_list("set-cookie") if c.startswith(DEV_SESSION_COOKIE + "=")
        )
        assert "secure" not in cookie.lower() and "httponly" in cookie.lower()
        value = cookie.split(";", 1)[0].split("=", 1)[1]
        client.cookies.clear()
        me = await client.get("/api/v1/me", headers={"Cookie": f"{DEV_SESSION_COOKIE}={value}"})
        assert me.status_code == 200
    finally:
        monkeypatch.delenv("CANET_COOKIE_SECURE")
        identity_settings.cache_clear()


async def test_one_code_opens_one_session_even_concurrently(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    import asyncio

    _user, secret = await enrolled_user(session, email="race@example.org")
    await session.commit()
    challenges = []
    for _ in range(3):
        r = await client.post(LOGIN, json={"email": "race@example.org", "password": PASSWORD})
        challenges.append(r.json()["challenge_token"])
    code = code_for(secret)
    responses = await asyncio.gather(
        *(
            client.post("/api/v1/auth/mfa/verify", json={"challenge_token": c, "code": code})
            for c in challenges
        )
    )
    assert sorted(r.status_code for r in responses) == [200, 401, 401]
