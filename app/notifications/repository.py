"""The notifications' hot statements: a page of them, marking read and the unread count (the
bell, every page that marks something read), compiled once and run on the driver
(app.db.Prepared), as columns rather than ORM objects."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db import Prepared, read, transactional
from app.models.notifications import Notification

# No parameter is named after a column: an UPDATE reserves those names for its SET.
_MINE_UNREAD = (
    col(Notification.user_id) == sa.bindparam("member_id"),
    col(Notification.read_at).is_(None),
)


def _mark_read(*which: Any) -> Prepared:
    return Prepared(
        sa.update(Notification)
        .where(*_MINE_UNREAD, *which)
        .values(read_at=sa.bindparam("now"))
        .returning(col(Notification.id))
    )


_MARK_ALL = _mark_read()
_MARK_IDS = _mark_read(col(Notification.id) == sa.any_(sa.bindparam("ids", type_=ARRAY(sa.Uuid()))))
_MARK_SUBJECT = _mark_read(
    col(Notification.subject_type) == sa.bindparam("about_type"),
    col(Notification.subject_id) == sa.bindparam("about_id"),
)
_UNREAD = Prepared(sa.select(sa.func.count()).where(*_MINE_UNREAD))

_TABLE = sa.inspect(Notification).local_table


def _page(*, unread: bool, after: bool) -> Prepared:
    """Newest first, `limit` of them, after a cursor's (created_at, id) if `after`."""
    mine = [_TABLE.c.user_id == sa.bindparam("member_id")]
    if unread:
        mine.append(_TABLE.c.read_at.is_(None))
    if after:
        key = (
            sa.bindparam("at", type_=_TABLE.c.created_at.type),
            sa.bindparam("id", type_=sa.Uuid()),
        )
        mine.append(sa.tuple_(_TABLE.c.created_at, _TABLE.c.id) < sa.tuple_(*key))
    return Prepared(
        sa.select(*_TABLE.c)
        .where(*mine)
        .order_by(_TABLE.c.created_at.desc(), _TABLE.c.id.desc())
        .limit(sa.bindparam("limit", type_=sa.Integer()))
    )


_PAGES = {(u, a): _page(unread=u, after=a) for u in (False, True) for a in (False, True)}


async def page_of(
    session: AsyncSession,
    user_id: uuid.UUID,
    *,
    unread: bool,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Any]:
    """The member's notifications (all, or the unread), newest first, after `after`."""
    params: dict[str, Any] = {"member_id": user_id, "limit": limit}
    if after is not None:
        params["at"], params["id"] = after
    return list((await read(session, _PAGES[(unread, after is not None)], params)).all())


async def mark_read(
    session: AsyncSession,
    user_id: uuid.UUID,
    *,
    ids: list[uuid.UUID] | None = None,
    subject: tuple[str, str] | None = None,
) -> int:
    """Mark the member's unread notifications read: those of `ids`, those about `subject`
    (type, id), else all of them. Returns how many were marked."""
    params: dict[str, Any] = {"member_id": user_id, "now": datetime.now(UTC)}
    if ids is not None:
        statement, params["ids"] = _MARK_IDS, ids
    elif subject is not None:
        statement = _MARK_SUBJECT
        params["about_type"], params["about_id"] = subject
    else:
        statement = _MARK_ALL
    return len((await transactional(session, statement, params)).all())


async def unread_count(session: AsyncSession, user_id: uuid.UUID) -> int:
    return int((await read(session, _UNREAD, {"member_id": user_id})).one()[0])
