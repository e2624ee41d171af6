"""Members whose vetting lapses soon or has lapsed: the moderators' re-attestation list."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor, vetting_lapsed
from app.auth.permissions import Permission
from app.core.errors import Forbidden
from app.core.pagination import page
from app.identity import repository
from app.identity.repository import MemberWithAuthority

Lapse = Literal["soon", "lapsed"]


async def list_members_by_vetting_expiry(
    session: AsyncSession,
    *,
    actor: Actor,
    lapse: Lapse | None,
    within_days: int,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> tuple[list[tuple[MemberWithAuthority, bool]], str | None]:
    """A page of members whose vetting lapses within `within_days` or has lapsed (`soon` or
    `lapsed` alone), the earliest expiry first, each with whether it has lapsed; and the
    cursor of the next page."""
    if not actor.can(Permission.VETTING_REVIEW):
        raise Forbidden("Only moderators see whose vetting lapses.")
    now = datetime.now(UTC)
    rows = await repository.members_by_vetting_expiry(
        session,
        expiring_after=now if lapse == "soon" else None,
        expiring_by=now if lapse == "lapsed" else now + timedelta(days=within_days),
        after=after,
        limit=limit + 1,
    )
    found, next_cursor = page(rows, limit, key=lambda u: (u.vetting_expires_at, u.id))
    members = await repository.with_authorities(session, found)
    return [(m, vetting_lapsed(m[0].vetting_expires_at, now)) for m in members], next_cursor
