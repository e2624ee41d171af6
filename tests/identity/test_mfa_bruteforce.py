"""Guessing the second factor: the three attacks measured from outside, and the lock's rules.

Whoever holds a member's password may take as many challenges as they like; what bounds
their guesses is the member's count of wrong codes, which only a right code clears. Time is
driven by moving the throttle rows' `blocked_until`, as the password throttle's tests do.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.identity import challenges, mfa, throttling
from app.models.audit import AuditEntry
from app.models.identity import LoginThrottle, OneTimeToken
from tests.identity.helpers import PASSWORD, code_for, enrolled_user, sign_in

LOGIN = "/api/v1/auth/login"
VERIFY = "/api/v1/auth/mfa/verify"
LIMIT = throttling.SECOND_FACTOR.lock_after


def wrong_code(secret: str) -> str:
    """A well-formed code valid at no step near now (so it is evaluated, and wrong)."""
    near = {mfa.code_at_step(secret, mfa.current_step() + d) for d in range(-3, 4)}
    return next(f"{n:06d}" for n in range(0, 10**6, 7919) if f"{n:06d}" not in near)


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post(LOGIN, json={"email": email, "password": password})


async def verify(client: httpx.AsyncClient, challenge: str, code: str) -> httpx.Response:
    return await client.post(VERIFY, json={"challenge_token": challenge, "code": code})


async def let_delays_pass(session: AsyncSession) -> None:
    """Every growing delay has run out; locks stay."""
    await session.execute(
        update(LoginThrottle).where(col(LoginThrottle.locked).is_(False)).values(blocked_until=None)
    )
    await session.commit()


async def let_locks_expire(session: AsyncSession) -> None:
    """Every delay and lock has run out (the counts stay, as they would)."""
    await session.execute(
        update(LoginThrottle).values(blocked_until=datetime.now(UTC) - timedelta(seconds=1))
    )
    await session.commit()


async def count_actions(session: AsyncSession, action: str) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(AuditEntry).where(col(AuditEntry.action) == action)
        )
        or 0
    )


async def member_failures(session: AsyncSession, user_id: uuid.UUID) -> int | None:
    row = await session.scalar(
        select(LoginThrottle)
        .where(col(LoginThrottle.key) == throttling.second_factor_key(user_id))
        .execution_options(populate_existing=True)
    )
    return row.failures if row else None


def problem_type(response: httpx.Response) -> str:
    return str(response.json()["type"]).rsplit(":", 1)[-1]


async def test_fresh_challenges_do_not_reset_the_count_of_wrong_codes(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """Attack 1: a correct password before every wrong code no longer buys fresh guesses."""
    user, secret = await enrolled_user(session, email="victim@example.org")
    await session.commit()
    wrong = wrong_code(secret)
    challenge = ""
    for attempt in range(1, LIMIT + 1):
        first = await login(client, "victim@example.org")
        assert first.status_code == 200, (attempt, first.text)
        challenge = first.json()["challenge_token"]
        r = await verify(client, challenge, wrong)
        assert r.status_code == 401 and problem_type(r) == "invalid-code", (attempt, r.text)
        assert await member_failures(session, user.id) == attempt
        if throttling.SECOND_FACTOR.free_failures < attempt < LIMIT:
            # a growing delay, at both steps, before the lock
            r = await login(client, "victim@example.org")
            assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
            await let_delays_pass(session)
    # the tenth wrong code locked the member: both steps refuse, even the right code
    r = await login(client, "victim@example.org")
    assert r.status_code == 429, r.text
    assert int(r.headers["retry-after"]) > 800
    r = await verify(client, challenge, code_for(secret))
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 800
    assert r.headers["content-type"].startswith("application/problem+json")
    # a wrong password during the lock is not even checked (and so not counted)
    r = await login(client, "victim@example.org", "not the password at all")
    assert r.status_code == 429
    assert await count_actions(session, "auth.mfa.failed") == LIMIT
    assert await count_actions(session, "auth.mfa.locked") == 1
    assert await count_actions(session, "auth.login.password_accepted") == LIMIT
    locked = await session.scalar(
        select(AuditEntry).where(col(AuditEntry.action) == "auth.mfa.locked")
    )
    assert locked is not None and locked.outcome == "denied"
    assert locked.target_id == str(user.id)
    assert locked.details is not None and locked.details["member_failures"] == LIMIT


async def test_challenges_taken_in_advance_allow_no_more_guesses(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """Attack 2: many challenges first, then wrong codes sprayed across them concurrently."""
    user, secret = await enrolled_user(session, email="spray@example.org")
    await session.commit()
    tokens = []
    for _ in range(12):
        r = await login(client, "spray@example.org")
        assert r.status_code == 200
        tokens.append(r.json()["challenge_token"])
    # the cap on open challenges: each new one beyond it revoked the oldest
    open_challenges = await session.scalar(
        select(func.count())
        .select_from(OneTimeToken)
        .where(
            col(OneTimeToken.user_id) == user.id,
            col(OneTimeToken.used_at).is_(None),
            col(OneTimeToken.expires_at) > datetime.now(UTC),
        )
    )
    assert open_challenges == challenges.MAX_OPEN
    superseded = await session.scalar(
        select(AuditEntry.details)
        .where(col(AuditEntry.action) == "auth.login.password_accepted")
        .order_by(col(AuditEntry.id).desc())
        .limit(1)
    )
    assert superseded == {"challenges_superseded": 1}
    wrong = wrong_code(secret)
    outcomes: Counter[tuple[int, str]] = Counter()
    for _round in range(LIMIT):
        responses = await asyncio.gather(*(verify(client, t, wrong) for t in tokens))
        outcomes.update((r.status_code, problem_type(r)) for r in responses)
        await let_delays_pass(session)
    # exactly the member's limit of codes was looked at; everything else was refused unread
    assert outcomes[(401, "invalid-code")] == LIMIT
    assert await count_actions(session, "auth.mfa.failed") == LIMIT
    assert set(outcomes) == {
        (401, "invalid-code"),
        (401, "invalid-challenge"),
        (429, "too-many-attempts"),
    }
    assert await member_failures(session, user.id) == LIMIT
    # locked: no challenge is open any more, and every step answers 429
    still_open = await session.scalar(
        select(func.count())
        .select_from(OneTimeToken)
        .where(col(OneTimeToken.user_id) == user.id, col(OneTimeToken.used_at).is_(None))
    )
    assert still_open == 0
    for token in tokens:
        r = await verify(client, token, code_for(secret))
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 800
    assert (await login(client, "spray@example.org")).status_code == 429


@pytest.mark.parametrize("locked_by", ["wrong codes", "wrong passwords"])
async def test_a_challenge_taken_before_the_lock_never_signs_in(
    client: httpx.AsyncClient, session: AsyncSession, locked_by: str
) -> None:
    """Attack 3: once sign-in answers 429, the right code on an earlier challenge fails too."""
    user, secret = await enrolled_user(session, email="early@example.org")
    await session.commit()
    early = (await login(client, "early@example.org")).json()["challenge_token"]
    if locked_by == "wrong codes":
        # two more challenges: with `early` that is the cap, so only the lock can revoke it
        others = [(await login(client, "early@example.org")).json()["challenge_token"]]
        others.append((await login(client, "early@example.org")).json()["challenge_token"])
        wrong = wrong_code(secret)
        for n in range(LIMIT):
            r = await verify(client, others[n % 2], wrong)
            assert r.status_code == 401, (n, r.text)
            await let_delays_pass(session)
    else:
        for n in range(throttling.ACCOUNT.lock_after):
            r = await login(client, "early@example.org", "a wrong password, again")
            assert r.status_code == 401, (n, r.text)
            await let_delays_pass(session)
    r = await login(client, "early@example.org")
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 800
    r = await verify(client, early, code_for(secret))
    assert r.status_code == 429, r.text
    assert int(r.headers["retry-after"]) > 800
    # and after the lock has run out, that challenge stays dead
    await let_locks_expire(session)
    r = await verify(client, early, code_for(secret))
    assert r.status_code == 401 and problem_type(r) == "invalid-challenge", r.text
    # the member signs in afresh, which clears the count of wrong codes
    await sign_in(client, "early@example.org", secret)
    assert await member_failures(session, user.id) is None
    assert await count_actions(session, "auth.mfa.throttled") == 1
    assert await count_actions(session, "auth.login") == 1


async def test_after_a_lock_each_wrong_code_locks_again_for_longer(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """The lock's expiry forgets nothing: one more wrong code locks for twice as long."""
    user, secret = await enrolled_user(session, email="patient@example.org")
    session.add(
        LoginThrottle(
            key=throttling.second_factor_key(user.id),
            failures=LIMIT,
            first_failure_at=datetime.now(UTC) - timedelta(hours=1),
            last_failure_at=datetime.now(UTC) - timedelta(minutes=20),
            blocked_until=datetime.now(UTC) - timedelta(minutes=5),
            locked=True,
        )
    )
    await session.commit()
    first = await login(client, "patient@example.org")
    assert first.status_code == 200
    r = await verify(client, first.json()["challenge_token"], wrong_code(secret))
    assert r.status_code == 401
    r = await login(client, "patient@example.org")
    assert r.status_code == 429
    assert 1700 < int(r.headers["retry-after"]) <= 1800
    assert await count_actions(session, "auth.mfa.locked") == 1
    # a right code after the lock clears the count; the next wrong one is a first again
    await let_locks_expire(session)
    await sign_in(client, "patient@example.org", secret)
    assert await member_failures(session, user.id) is None


async def test_lock_periods_double_up_to_a_day() -> None:
    limits = throttling.SECOND_FACTOR
    periods = [throttling._lock_period(limits.lock_after + n, limits) for n in range(10)]
    assert periods[:3] == [timedelta(minutes=15), timedelta(minutes=30), timedelta(hours=1)]
    assert periods[-1] == timedelta(days=1)
    assert throttling._lock_period(10**6, limits) == timedelta(days=1)
    # the password and form throttles keep their single 15-minute lock
    assert throttling._lock_period(10**6, throttling.ACCOUNT) == throttling.LOCK_FOR


async def test_maintenance_keeps_counts_of_wrong_codes_for_thirty_days(
    session: AsyncSession,
) -> None:
    now = datetime.now(UTC)
    ages = {
        throttling.second_factor_key(uuid.uuid4()): timedelta(days=2),
        throttling.second_factor_key(uuid.uuid4()): timedelta(days=32),
        throttling.account_key("recent@example.org"): timedelta(minutes=5),
        throttling.account_key("quiet@example.org"): timedelta(minutes=20),
    }
    session.add_all(
        LoginThrottle(key=key, failures=3, first_failure_at=now - age, last_failure_at=now - age)
        for key, age in ages.items()
    )
    await session.commit()
    await throttling.purge_stale(session)
    await session.commit()
    kept = set((await session.execute(select(LoginThrottle.key))).scalars().all())
    assert kept == {
        key for key, age in ages.items() if age in (timedelta(days=2), timedelta(minutes=5))
    }
