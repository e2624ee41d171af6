"""The one way to refuse: record the denial in a transaction of its own, then raise.

A refusal (403: visible but not allowed; 404 for something that exists but must stay
invisible to the caller) is worth an audit entry, but the request's own transaction rolls
back with the error and would take the entry with it. So the entry is written separately,
on the same engine, and committed before the error propagates: the log keeps every refused
attempt whatever happens to the request.

Refusals that must commit with the request itself (a failed sign-in, whose throttle count is
part of the answer) are not raised: identity returns them as values and the request commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any, NoReturn

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.core import audit
from app.core.audit import Actor, Target
from app.core.errors import AppError


def _engine(session: AsyncSession) -> AsyncEngine:
    bind = session.bind
    if isinstance(bind, AsyncEngine):
        return bind
    # A session bound to a connection (a test's outer transaction) would roll the entry back
    # with it: write through that connection's engine instead.
    if bind is None:
        raise RuntimeError("a refusal needs a session bound to the database")
    return bind.engine


async def record_denial(
    session: AsyncSession,
    *,
    actor: Actor | None,
    action: str,
    target: Target | None,
    details: Mapping[str, Any] | None = None,
    authority_ids: Iterable[uuid.UUID | None] = (),
) -> None:
    """Append a `denied` entry in a transaction of its own (committed on return)."""
    async with AsyncSession(_engine(session), expire_on_commit=False) as separate:
        await audit.record(
            separate,
            actor=actor,
            action=action,
            target=target,
            outcome="denied",
            details=details,
            authority_ids=authority_ids,
        )
        await separate.commit()


async def refuse(
    session: AsyncSession,
    error: AppError,
    *,
    actor: Actor | None,
    action: str,
    target: Target | None,
    details: Mapping[str, Any] | None = None,
    authority_ids: Iterable[uuid.UUID | None] = (),
) -> NoReturn:
    """Record the denial, then raise `error` (its status, code and message reach the caller)."""
    await record_denial(
        session,
        actor=actor,
        action=action,
        target=target,
        details={"code": error.code, **(details or {})},
        authority_ids=authority_ids,
    )
    raise error
