"""A member's own account: display name and handle (PATCH /me), new recovery codes."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.models.audit import AuditEntry
from app.models.identity import Application, LoginThrottle, RecoveryCode, User
from tests.factories import make_authority, make_member
from tests.identity.helpers import (
    PASSWORD,
    audit_actions,
    bearer,
    code_for,
    enrolled_user,
    sign_in,
)

ME = "/api/v1/me"
CODES = "/api/v1/me/recovery-codes"


async def _entries(session: AsyncSession, action: str) -> list[AuditEntry]:
    found = await session.execute(
        select(AuditEntry).where(col(AuditEntry.action) == action).order_by(col(AuditEntry.id))
    )
    return list(found.scalars().all())


async def _stored(session: AsyncSession, user_id: Any) -> User:
    session.expire_all()
    user = await session.get(User, user_id)
    assert user is not None
    return user


async def test_a_member_changes_their_name_and_handle(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    member = await make_member(session, handle="jean.old", full_name="Jean Old")
    await session.commit()
    r = await client.patch(
        ME, json={"full_name": "  Jean   Dupont ", "handle": "@Jean.Dupont"}, headers=member.headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["full_name"] == "Jean Dupont" and r.json()["handle"] == "jean.dupont"
    stored = await _stored(session, member.id)
    assert (stored.full_name, stored.handle) == ("Jean Dupont", "jean.dupont")
    [entry] = await _entries(session, "member.profile.updated")
    assert entry.changes == {
        "full_name": ["Jean Old", "Jean Dupont"],
        "handle": ["jean.old", "jean.dupont"],
    }
    # Nothing to change: answered, not recorded.
    r = await client.patch(ME, json={"handle": "jean.dupont"}, headers=member.headers)
    assert r.status_code == 200
    assert len(await _entries(session, "member.profile.updated")) == 1


async def test_a_handle_must_be_well_formed_and_free(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    authority = await make_authority(session)
    member = await make_member(session, handle="ana.p", full_name="Ana P")
    await make_member(session, handle="taken.one")
    session.add(
        Application(
            email="applicant@example.org",
            full_name="App Licant",
            handle="applied.for",
            password_hash="x",
            authority_id=authority.id,
            position="p",
            justification="j",
            status="pending_review",
        )
    )
    await session.commit()
    for handle in ("ab", "Ana P", "ana..", ".ana", "a" * 33):
        r = await client.patch(ME, json={"handle": handle}, headers=member.headers)
        assert r.status_code == 422, (handle, r.text)
        assert r.json()["errors"][0]["field"] == "handle"
    for handle in ("taken.one", "applied.for"):
        r = await client.patch(
            ME, json={"handle": handle, "full_name": "Ana Pereira"}, headers=member.headers
        )
        assert r.status_code == 409, r.text
        assert r.json()["type"] == "urn:canet:problem:handle-taken"
        assert r.json()["errors"] == [{"field": "handle", "message": "This handle is taken."}]
    for body in ({"full_name": "   "}, {"full_name": None}, {"handle": None}):
        r = await client.patch(ME, json=body, headers=member.headers)
        assert r.status_code == 422, (body, r.text)
    stored = await _stored(session, member.id)
    assert (stored.handle, stored.full_name) == ("ana.p", "Ana P")
    assert await _entries(session, "member.profile.updated") == []


async def test_recovery_codes_are_replaced_after_the_current_code(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user, secret = await enrolled_user(session, email="careful@example.org")
    await session.commit()
    tokens = await sign_in(client, "careful@example.org", secret)
    r = await client.post(CODES, json={"code": code_for(secret, 1)}, headers=bearer(tokens))
    assert r.status_code == 201, r.text
    first = r.json()["recovery_codes"]
    assert len(first) == 10 and len(set(first)) == 10
    # The same code again is a replay: refused, and the codes stay.
    r = await client.post(CODES, json={"code": code_for(secret, 1)}, headers=bearer(tokens))
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "code", "message": "The code is wrong or has already been used."}
    ]
    # With the password instead: every earlier code is void.
    r = await client.post(CODES, json={"password": PASSWORD}, headers=bearer(tokens))
    assert r.status_code == 201, r.text
    second = r.json()["recovery_codes"]
    assert not set(first) & set(second)
    assert (
        await session.scalar(select(func.count()).where(col(RecoveryCode.user_id) == user.id)) == 10
    )

    async def recovery_sign_in(code: str) -> int:
        login = await client.post(
            "/api/v1/auth/login", json={"email": "careful@example.org", "password": PASSWORD}
        )
        r = await client.post(
            "/api/v1/auth/mfa/verify",
            json={"challenge_token": login.json()["challenge_token"], "code": code},
        )
        return r.status_code

    assert await recovery_sign_in(first[0]) == 401
    assert await recovery_sign_in(second[0]) == 200
    actions = await audit_actions(session)
    assert actions.count("auth.recovery_codes.regenerated") == 2
    assert actions.count("auth.recovery_codes.refused") == 1
    # The codes themselves never reach the audit log.
    for entry in await _entries(session, "auth.recovery_codes.regenerated"):
        assert not any(code in str(entry.details) for code in first + second)


async def test_wrong_answers_are_counted_and_change_nothing(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user, secret = await enrolled_user(session, email="guessed@example.org")
    user_id = user.id
    await session.commit()
    tokens = await sign_in(client, "guessed@example.org", secret)
    await client.post(CODES, json={"code": code_for(secret, 1)}, headers=bearer(tokens))
    before = set(
        (
            await session.execute(
                select(RecoveryCode.code_hash).where(col(RecoveryCode.user_id) == user_id)
            )
        )
        .scalars()
        .all()
    )
    r = await client.post(
        CODES, json={"password": "not my password at all"}, headers=bearer(tokens)
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "password"
    r = await client.post(CODES, json={"code": "000000"}, headers=bearer(tokens))
    assert r.status_code == 422
    for body in ({}, {"code": "123456", "password": PASSWORD}):
        r = await client.post(CODES, json=body, headers=bearer(tokens))
        assert r.status_code == 422, body
    session.expire_all()
    after = set(
        (
            await session.execute(
                select(RecoveryCode.code_hash).where(col(RecoveryCode.user_id) == user_id)
            )
        )
        .scalars()
        .all()
    )
    assert after == before
    # The refusals were committed with their counters, as sign-in failures are.
    keys = set((await session.execute(select(LoginThrottle.key))).scalars().all())
    assert any("guessed@example.org" in k for k in keys), keys
    assert any(str(user_id) in k for k in keys), keys
    assert len(await _entries(session, "auth.recovery_codes.refused")) == 2


async def test_many_wrong_codes_lock_like_sign_in(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    _user, secret = await enrolled_user(session, email="locked@example.org")
    await session.commit()
    tokens = await sign_in(client, "locked@example.org", secret)
    statuses = []
    for _ in range(12):
        r = await client.post(CODES, json={"code": "000000"}, headers=bearer(tokens))
        statuses.append(r.status_code)
    assert statuses[0] == 422 and statuses[-1] == 429, statuses
    assert int(r.headers["Retry-After"]) > 0
    # A correct code does not get past the lock either.
    r = await client.post(CODES, json={"code": code_for(secret, 1)}, headers=bearer(tokens))
    assert r.status_code == 429


async def test_a_member_without_a_second_factor_has_no_codes_to_regenerate(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    member = await make_member(session)
    await session.commit()
    r = await client.post(CODES, json={"password": "whatever it is"}, headers=member.headers)
    assert r.status_code == 409
    assert r.json()["type"] == "urn:canet:problem:mfa-not-enrolled"


async def test_a_new_password_refused_by_the_policy_names_the_new_password_field(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    _user, secret = await enrolled_user(session, email="changer@example.org")
    await session.commit()
    tokens = await sign_in(client, "changer@example.org", secret)
    r = await client.post(
        f"{ME}/password",
        json={"current_password": PASSWORD, "new_password": "short"},
        headers=bearer(tokens),
    )
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"new_password"}
    r = await client.post(
        f"{ME}/password",
        json={"current_password": "wrong wrong wrong", "new_password": "short"},
        headers=bearer(tokens),
    )
    assert r.json()["errors"] == [
        {"field": "current_password", "message": "The current password is wrong."}
    ]
