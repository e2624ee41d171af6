"""The dependencies of the forum endpoints: the actor holding each forum permission, and
the idempotency key."""

from __future__ import annotations

from typing import Annotated

from app.auth.actor import Actor
from app.auth.dependencies import RequirePermission
from app.auth.permissions import Permission
from app.core.idempotency import IdempotencyKeyHeader

Reader = Annotated[Actor, RequirePermission(Permission.FORUM_READ)]
Poster = Annotated[Actor, RequirePermission(Permission.FORUM_POST)]
Manager = Annotated[Actor, RequirePermission(Permission.FORUM_MANAGE)]
Moderator = Annotated[Actor, RequirePermission(Permission.FORUM_MODERATE)]
IdempotencyKey = IdempotencyKeyHeader
