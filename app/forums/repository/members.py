"""Members as the forums show and address them: authors, posters, who may be mentioned.

Members are identity's: every statement here reads them through identity's `member_rows`
(id, handle, full_name, authority_id) and selects them by `audience.member_reads_forum`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.db import Prepared, read
from app.forums.repository.audience import ForumAudience, member_reads_forum
from app.identity import service as identity_service
from app.models.directory import Authority
from app.models.forums import Forum, ForumUserSettings

_MEMBERS = identity_service.member_rows()


async def author_card(
    session: AsyncSession, user_id: uuid.UUID
) -> tuple[str | None, str | None, str | None] | None:
    """(handle, full name, authority name) of a member, or None if there is none."""
    row = (
        await session.execute(
            select(_MEMBERS.c.handle, _MEMBERS.c.full_name, col(Authority.name))
            .outerjoin(Authority, col(Authority.id) == _MEMBERS.c.authority_id)
            .where(_MEMBERS.c.id == user_id)
        )
    ).first()
    return (row[0], row[1], row[2]) if row else None


async def poster_profile(session: AsyncSession, user_id: uuid.UUID) -> Any | None:
    """(auto_follow, full_name, authority_name) of a member about to start a thread."""
    return (
        await session.execute(
            select(
                col(ForumUserSettings.auto_follow).label("auto_follow"),
                _MEMBERS.c.full_name,
                col(Authority.name).label("authority_name"),
            )
            .select_from(_MEMBERS)
            .outerjoin(ForumUserSettings, col(ForumUserSettings.user_id) == _MEMBERS.c.id)
            .outerjoin(Authority, col(Authority.id) == _MEMBERS.c.authority_id)
            .where(_MEMBERS.c.id == user_id)
        )
    ).first()


@dataclass(frozen=True, slots=True)
class _Audience:
    """A forum's audience as a prepared statement sees it: the group a bind parameter."""

    audience_kind: str
    group_id: Any


def _reading(kind: str) -> Prepared:
    group = sa.bindparam("group_id", type_=sa.Uuid()) if kind == "group" else None
    return Prepared(
        select(_MEMBERS.c.id).where(
            _MEMBERS.c.id == sa.any_(sa.bindparam("among", type_=ARRAY(sa.Uuid()))),
            member_reads_forum(_MEMBERS, _Audience(kind, group)),
        )
    )


# Built once per kind of audience (the rule differs), run on the driver: every event of a
# thread or forum asks it, for every member connected to the worker.
_READING = {kind: _reading(kind) for kind in ("network", "group", "moderators")}


async def member_ids_reading_forum(
    session: AsyncSession, forum: ForumAudience, among: list[uuid.UUID]
) -> set[uuid.UUID]:
    """Which of the members `among` may read `forum` now (one query).

    `among` is every member connected to a worker (a thousand ids and more, on every event):
    one array parameter, not an IN list that SQLAlchemy expands and renders again per call."""
    params: dict[str, Any] = {"among": among}
    if forum.audience_kind == "network":
        statement = _READING["network"]
    elif forum.audience_kind == "group" and forum.group_id is not None:
        statement, params["group_id"] = _READING["group"], forum.group_id
    else:  # what member_reads_forum makes of any other audience: moderators only
        statement = _READING["moderators"]
    return {row[0] for row in (await read(session, statement, params)).all()}


async def member_ids_by_handle_reading_forum(
    session: AsyncSession, handles: list[str], forum: ForumAudience
) -> dict[str, uuid.UUID]:
    """handle (lower-cased) -> id of the members with these handles who may read `forum`."""
    rows = await session.execute(
        select(_MEMBERS.c.handle, _MEMBERS.c.id).where(
            _MEMBERS.c.handle.in_(handles), member_reads_forum(_MEMBERS, forum)
        )
    )
    return {str(handle).lower(): user_id for handle, user_id in rows.all()}


async def mentionable_members(
    session: AsyncSession,
    *,
    forum: Forum,
    pattern: str,
    excluding: uuid.UUID | None,
    limit: int,
) -> list[tuple[str, str, str | None]]:
    """(handle, full name, authority name) of the members who may read `forum` whose handle
    or name matches the LIKE `pattern` (escaped with backslashes), by handle."""
    rows = await session.execute(
        select(_MEMBERS.c.handle, _MEMBERS.c.full_name, col(Authority.name))
        .outerjoin(Authority, col(Authority.id) == _MEMBERS.c.authority_id)
        .where(
            member_reads_forum(_MEMBERS, forum),
            _MEMBERS.c.id != excluding,
            _MEMBERS.c.handle.like(pattern, escape="\\")
            | _MEMBERS.c.full_name.ilike(pattern, escape="\\")
            | _MEMBERS.c.full_name.ilike("% " + pattern, escape="\\"),
        )
        .order_by(_MEMBERS.c.handle)
        .limit(limit)
    )
    return [(handle, name, authority) for handle, name, authority in rows.all()]
