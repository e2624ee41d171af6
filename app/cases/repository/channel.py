"""Queries on a case's channel: its messages, its attachments and its data key."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.core.pagination import Key, decode_cursor, page
from app.db import Prepared, transactional
from app.identity import service as identity_service
from app.models.cases import CaseAttachment, CaseDataKey, CaseMessage

_UUID = sa.Uuid()
PageOf = tuple[list[Any], str | None]


_MESSAGES = CaseMessage.__table__  # type: ignore[attr-defined]
# Every column a new message is written with, bound by name: built once, run on the driver.
MESSAGE_COLUMNS = (
    "id",
    "case_id",
    "author_id",
    "author_authority_id",
    "side",
    "kind",
    "body",
    "body_html",
    "handling_code",
    "handling_note",
    "created_at",
)
_INSERT_MESSAGE = Prepared(
    sa.insert(_MESSAGES).values(
        {name: sa.bindparam(name, type_=_MESSAGES.c[name].type) for name in MESSAGE_COLUMNS}
    )
)
# A message as read: its columns and its author's handle, one statement (no ORM objects, no
# second query for the authors). Every read of messages shares the audit entry's
# transaction, which the case's load has begun: these run on the driver.
_AUTHOR = identity_service.member_rows("author")
_MESSAGE_ROWS = (
    sa.select(*_MESSAGES.c, _AUTHOR.c.handle.label("author_handle"))
    .outerjoin(_AUTHOR, _AUTHOR.c.id == _MESSAGES.c.author_id)
    .where(_MESSAGES.c.case_id == sa.bindparam("case_id", type_=_UUID))
    .order_by(_MESSAGES.c.created_at, _MESSAGES.c.id)
)
_MESSAGES_OF_CASE = Prepared(_MESSAGE_ROWS)
_MESSAGE_OF_CASE = Prepared(
    _MESSAGE_ROWS.where(_MESSAGES.c.id == sa.bindparam("message_id", type_=_UUID))
)
_MESSAGE_KEY = Prepared(
    sa.select(_MESSAGES.c.created_at, _MESSAGES.c.id).where(
        _MESSAGES.c.id == sa.bindparam("message_id", type_=_UUID),
        _MESSAGES.c.case_id == sa.bindparam("case_id", type_=_UUID),
    )
)
_PAGE_LIMIT = sa.bindparam("limit", type_=sa.Integer())
_FIRST_MESSAGES = Prepared(_MESSAGE_ROWS.limit(_PAGE_LIMIT))
_MESSAGES_AFTER = Prepared(
    _MESSAGE_ROWS.where(
        sa.tuple_(_MESSAGES.c.created_at, _MESSAGES.c.id)
        > sa.tuple_(
            sa.bindparam("after_at", type_=_MESSAGES.c.created_at.type),
            sa.bindparam("after_id", type_=_UUID),
        )
    ).limit(_PAGE_LIMIT)
)


async def insert_message(session: AsyncSession, values: dict[str, Any]) -> None:
    """A Core INSERT of MESSAGE_COLUMNS: a message row never changes afterwards, so no unit of
    work is needed; it follows the case's load, so it runs on the driver."""
    await transactional(session, _INSERT_MESSAGE, values)


async def message_by_id(session: AsyncSession, message_id: uuid.UUID | None) -> CaseMessage | None:
    return await session.get(CaseMessage, message_id)


async def message_of_case(session: AsyncSession, case_id: uuid.UUID, message_id: uuid.UUID) -> Any:
    """The message's row with `author_handle`, or None if the case has no such message."""
    params = {"case_id": case_id, "message_id": message_id}
    return (await transactional(session, _MESSAGE_OF_CASE, params)).first()


async def messages_of_case(session: AsyncSession, case_id: uuid.UUID) -> list[Any]:
    """Every message of the case as rows with `author_handle`, oldest first."""
    return list((await transactional(session, _MESSAGES_OF_CASE, {"case_id": case_id})).all())


async def message_key(
    session: AsyncSession, case_id: uuid.UUID, message_id: uuid.UUID
) -> tuple[Any, uuid.UUID] | None:
    """Where a message of the case sorts (created_at, id), or None if the case has no such
    message."""
    params = {"case_id": case_id, "message_id": message_id}
    row = (await transactional(session, _MESSAGE_KEY, params)).first()
    return None if row is None else (row[0], row[1])


async def messages_page(
    session: AsyncSession,
    case_id: uuid.UUID,
    *,
    cursor: str | None,
    limit: int,
    after: tuple[Any, uuid.UUID] | None = None,
) -> PageOf:
    """One page of the case's messages (rows with `author_handle`), oldest first, after the
    cursor and after the message that sorts at `after` (both bound the page from below), and
    the next page's cursor."""
    bounds = [key for key in (decode_cursor(cursor, Key.datetime, Key.uuid), after) if key]
    params: dict[str, Any] = {"case_id": case_id, "limit": limit + 1}
    if not bounds:
        rows = await transactional(session, _FIRST_MESSAGES, params)
    else:
        params["after_at"], params["after_id"] = max(bounds)
        rows = await transactional(session, _MESSAGES_AFTER, params)
    return page(list(rows.all()), limit, key=lambda m: (m.created_at, m.id))


# --- attachments and the case's data key ---------------------------------------------------

_ATTACHMENTS_OF_CASE = (
    select(CaseAttachment)
    .where(col(CaseAttachment.case_id) == sa.bindparam("case_id", type_=_UUID))
    .order_by(col(CaseAttachment.created_at), col(CaseAttachment.id))
)
_INSERT_DATA_KEY_IF_ABSENT = pg_insert(
    CaseDataKey.__table__  # type: ignore[attr-defined]
).on_conflict_do_nothing()


async def attachment_by_id(
    session: AsyncSession, attachment_id: uuid.UUID | None
) -> CaseAttachment | None:
    return await session.get(CaseAttachment, attachment_id)


async def attachments_of_case(session: AsyncSession, case_id: uuid.UUID) -> list[CaseAttachment]:
    """The case's attachments, oldest first."""
    return list((await session.execute(_ATTACHMENTS_OF_CASE, {"case_id": case_id})).scalars())


async def data_key_of_case(
    session: AsyncSession, case_id: uuid.UUID, *, reload: bool = False
) -> CaseDataKey | None:
    """The case's wrapped data key; `reload` reads the row again even if this session has it."""
    return await session.get(CaseDataKey, case_id, populate_existing=reload)


async def insert_data_key_if_absent(session: AsyncSession, values: dict[str, Any]) -> None:
    """Store a wrapped key unless the case has one already (a concurrent upload won)."""
    await session.execute(_INSERT_DATA_KEY_IF_ABSENT, values)
