"""Failed sign-in throttling per account and per client address, shared through PostgreSQL.

Each failure bumps a counter row (an atomic upsert, so every worker sees the same count).
Past a few failures the key is blocked for a growing delay (1 s, 2 s, 4 s ... 60 s); past
the lock threshold it is locked for 15 minutes. Blocked attempts are refused with 429 and
Retry-After before any password is checked. Counters reset after 15 quiet minutes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, delete
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.models.identity import LoginThrottle

RESET_AFTER = timedelta(minutes=15)
LOCK_FOR = timedelta(minutes=15)
MAX_DELAY_SECONDS = 60


@dataclass(frozen=True, slots=True)
class Limits:
    free_failures: int  # failures allowed before delays start
    lock_after: int  # failures that lock the key for LOCK_FOR


# An address may front many people (an office NAT): it gets more room than one account.
ACCOUNT = Limits(free_failures=3, lock_after=10)
ADDRESS = Limits(free_failures=10, lock_after=50)
# Forms that send mail (applications, password resets), per client address: every use
# counts, so a script cannot turn the server into a mail cannon.
FORM = Limits(free_failures=5, lock_after=30)


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


def _limits(key: str) -> Limits:
    if key.startswith("account:"):
        return ACCOUNT
    return ADDRESS if key.startswith("ip:") else FORM


async def current_block(session: AsyncSession, keys: list[str]) -> Block | None:
    """The first of `keys` that is blocked right now, if any."""
    now = datetime.now(UTC)
    rows = (
        (
            await session.execute(
                select(LoginThrottle).where(
                    col(LoginThrottle.key).in_(keys), col(LoginThrottle.blocked_until) > now
                )
            )
        )
        .scalars()
        .all()
    )
    if not rows:
        return None
    row = max(rows, key=lambda r: r.blocked_until or now)
    assert row.blocked_until is not None
    return Block(
        key=row.key,
        retry_after=max(1, math.ceil((row.blocked_until - now).total_seconds())),
        locked=row.locked,
    )


async def record_failure(session: AsyncSession, keys: list[str]) -> list[Block]:
    """Count a failure against each key; returns the keys that became locked by it."""
    now = datetime.now(UTC)
    newly_locked: list[Block] = []
    for key in keys:
        table = LoginThrottle.__table__  # type: ignore[attr-defined]
        stale = table.c.last_failure_at < now - RESET_AFTER
        statement = (
            insert(table)
            .values(key=key, failures=1, first_failure_at=now, last_failure_at=now, locked=False)
            .on_conflict_do_update(
                index_elements=[table.c.key],
                set_={
                    "failures": _case(stale, 1, table.c.failures + 1),
                    "first_failure_at": _case(stale, now, table.c.first_failure_at),
                    "locked": _case(stale, False, table.c.locked),
                    "last_failure_at": now,
                },
            )
            .returning(table.c.failures, table.c.locked)
        )
        row = (await session.execute(statement)).one()
        failures, locked = int(row[0]), bool(row[1])
        limits = _limits(key)
        if failures >= limits.lock_after:
            until, lock = now + LOCK_FOR, True
            if not locked:
                newly_locked.append(
                    Block(key=key, retry_after=int(LOCK_FOR.total_seconds()), locked=True)
                )
        elif failures > limits.free_failures:
            delay = min(2 ** (failures - limits.free_failures - 1), MAX_DELAY_SECONDS)
            until, lock = now + timedelta(seconds=delay), False
        else:
            continue
        await session.execute(
            table.update().where(table.c.key == key).values(blocked_until=until, locked=lock)
        )
    return newly_locked


def _case(condition: Any, when_true: Any, otherwise: Any) -> Any:
    return case((condition, when_true), else_=otherwise)


async def clear(session: AsyncSession, key: str) -> None:
    """A successful sign-in wipes the account's failures (not the address's)."""
    await session.execute(delete(LoginThrottle).where(col(LoginThrottle.key) == key))


async def purge_stale(session: AsyncSession) -> None:
    cutoff = datetime.now(UTC) - max(RESET_AFTER, LOCK_FOR) - timedelta(minutes=1)
    await session.execute(
        delete(LoginThrottle).where(
            col(LoginThrottle.last_failure_at) < cutoff,
        )
    )
