"""What the forum endpoints share: permission dependencies, refusal auditing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Request

from app.auth.actor import Actor
from app.auth.dependencies import RequirePermission
from app.auth.permissions import Permission
from app.core import audit
from app.core.audit import Target
from app.core.errors import Forbidden
from app.core.idempotency import IdempotencyKeyHeader

Reader = Annotated[Actor, RequirePermission(Permission.FORUM_READ)]
Poster = Annotated[Actor, RequirePermission(Permission.FORUM_POST)]
Manager = Annotated[Actor, RequirePermission(Permission.FORUM_MANAGE)]
Moderator = Annotated[Actor, RequirePermission(Permission.FORUM_MODERATE)]
IdempotencyKey = IdempotencyKeyHeader


@asynccontextmanager
async def audit_refusal(
    request: Request, actor: Actor, action: str, target: Target
) -> AsyncIterator[None]:
    """A refusal on something that exists is recorded in its own transaction (the request's
    rolls back)."""
    try:
        yield
    except Forbidden:
        await audit.record_separately(
            request.app.state.db, actor=actor, action=action, target=target, outcome="denied"
        )
        raise
