"""Password policy and argon2id hashing, including the automatic rehash at sign-in."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from passlib.hash import argon2
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.identity import passwords, throttling
from app.models.audit import AuditEntry
from app.models.identity import LoginThrottle
from tests.factories import make_member
from tests.identity.helpers import PASSWORD, audit_actions, enrolled_user


def test_policy() -> None:
    assert len(passwords.common_passwords()) >= 10_000
    assert passwords.password_problems("a" * 11)
    assert passwords.password_problems("x" * 129)
    assert passwords.password_problems("qwertyuiop123")
    assert passwords.password_problems("iloveyou!!!!!!")
    assert passwords.password_problems("zzzzzzzzzzzzzzzz")
    assert not passwords.password_problems("correct horse battery staple")
    # no composition rules: long lowercase passphrases are fine, unicode too
    assert not passwords.password_problems("ceci n'est pas une pipe")
    assert not passwords.password_problems("пароль-для-сети-канет")
    assert passwords.problems_for(
        "mariagarcia-secret", email="maria@x.org", full_name="María García"
    )


async def test_hash_and_verify() -> None:
    stored = await passwords.hash_password(PASSWORD)
    assert stored.startswith("$argon2id$")
    assert await passwords.verify_password(PASSWORD, stored) == (True, None)
    assert await passwords.verify_password("wrong", stored) == (False, None)
    assert await passwords.verify_password(PASSWORD, "!not-a-hash") == (False, None)


async def test_weaker_hash_is_replaced_at_sign_in(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user, _secret = await enrolled_user(session, email="legacy@example.org")
    weak = argon2.using(type="ID", memory_cost=8192, time_cost=1, parallelism=1)
    user.password_hash = weak.hash(PASSWORD)
    old = user.password_hash
    await session.commit()
    r = await client.post(
        "/api/v1/auth/login", json={"email": "legacy@example.org", "password": PASSWORD}
    )
    assert r.status_code == 200
    await session.refresh(user)
    assert user.password_hash != old and "m=47104" in user.password_hash
    assert "auth.password.rehashed" in await audit_actions(session)


async def test_password_reset_and_change(client: httpx.AsyncClient, session: AsyncSession) -> None:
    from tests.identity.helpers import bearer, mails_to, sign_in, token_in

    _user, secret = await enrolled_user(session, email="forgetful@example.org")
    await session.commit()
    tokens = await sign_in(client, "forgetful@example.org", secret)

    # unknown addresses get the same answer and no mail
    r = await client.post("/api/v1/auth/password-reset", json={"email": "nobody@example.org"})
    assert r.status_code == 202
    r = await client.post("/api/v1/auth/password-reset", json={"email": "forgetful@example.org"})
    assert r.status_code == 202
    assert await mails_to(session, "nobody@example.org") == []
    [mail] = await mails_to(session, "forgetful@example.org")
    token = token_in(mail.body, "reset-password")
    assert PASSWORD not in mail.body

    r = await client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "password": "password1234"}
    )
    assert r.status_code == 422  # the policy applies; the token is not spent by a refusal
    new = "a brand new passphrase for this network"
    r = await client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": token, "password": "another fresh long passphrase"},
    )
    assert r.status_code == 200
    r = await client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "password": new}
    )
    assert r.status_code == 400  # single use
    # every session ended with the reset; the old password no longer works
    assert (await client.get("/api/v1/me", headers=bearer(tokens))).status_code == 401
    r = await client.post(
        "/api/v1/auth/login", json={"email": "forgetful@example.org", "password": PASSWORD}
    )
    assert r.status_code == 401

    # change with the current password: other sessions end, this one stays
    from tests.identity.helpers import code_for

    r = await client.post(
        "/api/v1/auth/login",
        json={"email": "forgetful@example.org", "password": "another fresh long passphrase"},
    )
    r = await client.post(
        "/api/v1/auth/mfa/verify",
        json={"challenge_token": r.json()["challenge_token"], "code": code_for(secret, 1)},
    )
    here = r.json()
    r = await client.post(
        "/api/v1/me/password",
        json={"current_password": "wrong wrong wrong", "new_password": new},
        headers=bearer(here),
    )
    assert r.status_code == 422
    r = await client.post(
        "/api/v1/me/password",
        json={"current_password": "another fresh long passphrase", "new_password": new},
        headers=bearer(here),
    )
    assert r.status_code == 204
    assert (await client.get("/api/v1/me", headers=bearer(here))).status_code == 200
    actions = await audit_actions(session)
    assert "auth.password_reset.completed" in actions and "auth.password.changed" in actions


async def test_wrong_current_passwords_count_and_are_kept(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    # The refusal is returned, not raised: the request commits, so each wrong guess counts
    # against the account and stays in the audit log (a stolen session cannot guess freely).
    member = await make_member(session)
    await session.commit()

    async def attempt() -> httpx.Response:
        return await client.post(
            "/api/v1/me/password",
            json={"current_password": "not my password at all", "new_password": "x" * 20},
            headers=member.headers,
        )

    for _ in range(3):  # the account's free failures
        r = await attempt()
        assert r.status_code == 422
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["errors"][0]["field"] == "current_password"
    key = throttling.account_key(member.user.email)
    throttle = await session.get(LoginThrottle, key)
    assert throttle is not None and throttle.failures == 3
    refused = (
        (
            await session.execute(
                select(AuditEntry).where(col(AuditEntry.action) == "auth.password.change_refused")
            )
        )
        .scalars()
        .all()
    )
    assert len(refused) == 3
    # A blocked account is refused before the password is even checked.
    throttle.blocked_until = datetime.now(UTC) + timedelta(minutes=5)
    await session.commit()
    r = await attempt()
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 60
    # The OpenAPI document says so, with the header (it did not list the 429).
    declared = app.openapi()["paths"]["/api/v1/me/password"]["post"]["responses"]
    assert "Retry-After" in declared["429"]["headers"]


async def test_hashing_runs_at_a_lower_priority_than_requests() -> None:
    """Sign-ins must not take the CPU from everyone else's requests (bench: login)."""
    if not hasattr(os, "setpriority"):
        pytest.skip("no per-thread priorities on this platform")
    thread_id = await passwords._hashing(threading.get_native_id)
    assert thread_id != threading.get_native_id()
    assert os.getpriority(os.PRIO_PROCESS, thread_id) == min(
        os.getpriority(os.PRIO_PROCESS, 0) + passwords.HASHING_NICENESS, 19
    )
