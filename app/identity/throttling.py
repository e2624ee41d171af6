"""Failed sign-in throttling per account and per client address, shared through PostgreSQL.

Each failure bumps a counter row (an atomic upsert, so every worker sees the same count).
Past a few failures the key is blocked for a growing delay (1 s, 2 s, 4 s ... 60 s); past
the lock threshold it is locked for 15 minutes. Blocked attempts are refused with 429 and
Retry-After before any password is checked. Counters reset after 15 quiet minutes.

Wrong second-factor codes count per member under a key of their own, which a correct
password does not clear and quiet time forgets only after 30 days: past the lock threshold
every further wrong code locks the member again, each time for twice as long (up to a day).
Otherwise whoever holds the password could take fresh challenges forever, each allowing a
few guesses at a code.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.identity import repository

RESET_AFTER = timedelta(minutes=15)
LOCK_FOR = timedelta(minutes=15)
MAX_DELAY_SECONDS = 60


@dataclass(frozen=True, slots=True)
class Limits:
    free_failures: int  # failures allowed before delays start
    lock_after: int  # failures that lock the key for LOCK_FOR
    reset_after: timedelta = RESET_AFTER  # quiet time after which the count starts over
    # Each failure past lock_after locks again for twice as long, up to this.
    max_lock: timedelta = LOCK_FOR


# An address may front many people (an office NAT): it gets more room than one account.
ACCOUNT = Limits(free_failures=3, lock_after=10)
ADDRESS = Limits(free_failures=10, lock_after=50)
# Forms that send mail (applications, password resets), per client address: every use
# counts, so a script cannot turn the server into a mail cannon.
FORM = Limits(free_failures=5, lock_after=30)


# Wrong TOTP or recovery codes of one member, whatever the challenge. The free ones match
# what one challenge takes (login.MAX_CODE_FAILURES). After the first lock an attacker
# holding the password gets one guess per lock, and the locks double: about one guess a
# day, against three valid codes in a million.
SECOND_FACTOR = Limits(
    free_failures=5, lock_after=10, reset_after=timedelta(days=30), max_lock=timedelta(days=1)
)


def form_limits(allowed: int) -> Limits:
    """FORM's shape for a configured burst: `allowed` uses pass, the next one waits."""
    return Limits(
        free_failures=allowed - 1,
        lock_after=allowed * FORM.lock_after // FORM.free_failures,
    )


@dataclass(frozen=True, slots=True)
class Block:
    key: str
    retry_after: int
    locked: bool


def account_key(email: str) -> str:
    return "account:" + email.strip().lower()[:320]


def address_key(client_ip: str | None) -> str | None:
    return f"ip:{client_ip}" if client_ip else None


def form_key(form: str, client_ip: str | None) -> str | None:
    return f"{form}:{client_ip}" if client_ip else None


def second_factor_key(user_id: uuid.UUID) -> str:
    return f"mfa:{user_id}"


def _limits(key: str) -> Limits:
    if key.startswith("account:"):
        return ACCOUNT
    if key.startswith("mfa:"):
        return SECOND_FACTOR
    return ADDRESS if key.startswith("ip:") else FORM


def _lock_period(failures: int, limits: Limits) -> timedelta:
    # Capped exponent: the count of a long attack must not overflow timedelta.
    doublings = min(failures - limits.lock_after, 20)
    return min(LOCK_FOR * 2**doublings, limits.max_lock)


async def current_block(session: AsyncSession, keys: list[str]) -> Block | None:
    """The first of `keys` that is blocked right now, if any."""
    now = datetime.now(UTC)
    rows = await repository.blocking_throttles(session, keys, now=now)
    if not rows:
        return None
    row = max(rows, key=lambda r: r.blocked_until or now)
    assert row.blocked_until is not None
    return Block(
        key=row.key,
        retry_after=max(1, math.ceil((row.blocked_until - now).total_seconds())),
        locked=row.locked,
    )


async def record_failure(
    session: AsyncSession, keys: list[str], *, limits: Limits | None = None
) -> list[Block]:
    """Count a failure against each key; returns the keys that became locked by it.

    `limits` overrides the limits the key's kind has by default (a configured form limit).
    """
    newly_locked: list[Block] = []
    for key in keys:
        _failures, locked = await count_failure(session, key, limits=limits)
        if locked is not None:
            newly_locked.append(locked)
    return newly_locked


async def count_failure(
    session: AsyncSession, key: str, *, limits: Limits | None = None
) -> tuple[int, Block | None]:
    """Count one failure against `key`: the failures counted so far, and the lock it caused."""
    now = datetime.now(UTC)
    limits = limits or _limits(key)
    failures, locked, blocked_until = await repository.count_throttle_failure(
        session, key, now=now, stale_before=now - limits.reset_after
    )
    newly_locked: Block | None = None
    if failures >= limits.lock_after:
        period = _lock_period(failures, limits)
        until, lock = now + period, True
        # A key whose lock ran out locks again: that is a new lock (audited, challenges
        # revoked), not the same one.
        if not (locked and blocked_until is not None and blocked_until > now):
            newly_locked = Block(key=key, retry_after=int(period.total_seconds()), locked=True)
    elif failures > limits.free_failures:
        delay = min(2 ** (failures - limits.free_failures - 1), MAX_DELAY_SECONDS)
        until, lock = now + timedelta(seconds=delay), False
    else:
        return failures, None
    await repository.block_throttle(session, key, until=until, locked=lock)
    return failures, newly_locked


async def clear(session: AsyncSession, key: str) -> None:
    """A successful step wipes its own failures (the password's or the second factor's)."""
    await repository.delete_throttle(session, key)


async def purge_stale(session: AsyncSession) -> None:
    now = datetime.now(UTC)
    margin = timedelta(minutes=1)
    await repository.delete_stale_throttles(
        session,
        quiet_since=now - max(RESET_AFTER, LOCK_FOR) - margin,
        second_factor_quiet_since=now
        - max(SECOND_FACTOR.reset_after, SECOND_FACTOR.max_lock)
        - margin,
    )
