"""Queries on the cases table: a case with the caller's participation, references, the
receipt, activity, the inbox and its counts, and the deadline monitor's claims."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.cases.constants import OPEN_STATUSES
from app.core.pagination import Key, apply, decode_cursor, page
from app.db import Prepared, transactional
from app.models.cases import Case, CaseParticipant, CaseReferenceCounter

_UUID = sa.Uuid()
PageOf = tuple[list[Any], str | None]


# Every case request starts here: the case and the caller's participation, by id.
_CASE_WITH_PARTICIPATION = (
    select(Case, CaseParticipant)
    .outerjoin(
        CaseParticipant,
        sa.and_(
            col(CaseParticipant.case_id) == col(Case.id),
            col(CaseParticipant.user_id) == sa.bindparam("user_id", type_=_UUID),
        ),
    )
    .where(col(Case.id) == sa.bindparam("case_id", type_=_UUID))
)
# Fresh values under the lock, even if this session loaded the row before.
_CASE_WITH_PARTICIPATION_FOR_UPDATE = _CASE_WITH_PARTICIPATION.with_for_update(
    of=Case
).execution_options(populate_existing=True)


async def case_with_participation(
    session: AsyncSession, case_id: uuid.UUID, user_id: uuid.UUID | None, *, for_update: bool
) -> tuple[Case, CaseParticipant | None] | None:
    """The case and `user_id`'s participation in it (if any); None if there is no such case."""
    stmt = _CASE_WITH_PARTICIPATION_FOR_UPDATE if for_update else _CASE_WITH_PARTICIPATION
    row = (await session.execute(stmt, {"case_id": case_id, "user_id": user_id})).first()
    return None if row is None else (row[0], row[1])


async def case_by_id(session: AsyncSession, case_id: uuid.UUID) -> Case | None:
    return await session.get(Case, case_id)


_COUNTERS = CaseReferenceCounter.__table__  # type: ignore[attr-defined]
_NEXT_REFERENCE_NUMBER = (
    pg_insert(_COUNTERS)
    .on_conflict_do_update(
        index_elements=["prefix", "year"], set_={"last_value": _COUNTERS.c.last_value + 1}
    )
    .returning(_COUNTERS.c.last_value)
)


async def next_reference_number(session: AsyncSession, prefix: str, year: int) -> int:
    """The next number of the prefix's yearly series: one atomic upsert, never reused."""
    values = {"prefix": prefix, "year": year, "last_value": 1}
    number: int = (await session.execute(_NEXT_REFERENCE_NUMBER, values)).scalar_one()
    return number


_MARK_RECEIVED = (
    sa.update(Case)
    .where(col(Case.id) == sa.bindparam("case_id", type_=_UUID), col(Case.status) == "submitted")
    .values(
        status="received",
        received_at=sa.bindparam("now"),
        status_changed_at=sa.bindparam("now"),
        last_activity_at=sa.bindparam("now"),
    )
    .returning(col(Case.id))
    .execution_options(synchronize_session=False)
)


async def mark_received(session: AsyncSession, case_id: uuid.UUID, now: datetime) -> bool:
    """Move a submitted case to `received`; False if it was no longer submitted."""
    changed = await session.scalar(_MARK_RECEIVED, {"case_id": case_id, "now": now})
    return changed is not None


# Statements of a message's transaction, on the driver (app.db.transactional).
_CASES = Case.__table__  # type: ignore[attr-defined]
_TOUCH = sa.update(_CASES).where(_CASES.c.id == sa.bindparam("case_id", type_=_UUID))
_NOW = sa.bindparam("now", type_=_CASES.c.last_activity_at.type)
# `updated_at` is spelled out: the column's Python-side onupdate runs only when SQLAlchemy
# executes the statement, not on the driver.
_RECORD_ACTIVITY = Prepared(_TOUCH.values(last_activity_at=_NOW, updated_at=_NOW))
_RECORD_CONSULTATION = Prepared(
    _TOUCH.values(consultation_at=_NOW, last_activity_at=_NOW, updated_at=_NOW)
)


async def record_activity(
    session: AsyncSession, case_id: uuid.UUID, now: datetime, *, consultation: bool
) -> None:
    """Set the case's last activity (and its first consultation) without loading it."""
    stmt = _RECORD_CONSULTATION if consultation else _RECORD_ACTIVITY
    await transactional(session, stmt, {"case_id": case_id, "now": now})


def _late(today: date) -> sa.ColumnElement[bool]:
    return sa.and_(col(Case.due_date) < today, col(Case.status).in_(OPEN_STATUSES))


_FAR_FUTURE = "9999-12-31"


def _deadline_key() -> sa.ColumnElement[object]:
    return sa.func.coalesce(col(Case.due_date), sa.literal(date.fromisoformat(_FAR_FUTURE)))


def _attention(today: date, near_until: date) -> sa.ColumnElement[int]:
    """2 overdue, 1 due by `near_until`, 0 otherwise (open cases only)."""
    open_ = col(Case.status).in_(OPEN_STATUSES)
    return sa.case(
        (sa.and_(open_, col(Case.due_date) < today), 2),
        (sa.and_(open_, col(Case.due_date) <= near_until), 1),
        else_=0,
    )


def _attention_of(case: Case, today: date, near_until: date) -> int:
    if case.status not in OPEN_STATUSES or case.due_date is None:
        return 0
    if case.due_date < today:
        return 2
    return 1 if case.due_date <= near_until else 0


def _sort_key(case: Case, sort: str, today: date, near_until: date) -> list[object]:
    if sort.endswith("deadline"):
        return [(case.due_date.isoformat() if case.due_date else _FAR_FUTURE), str(case.id)]
    if sort == "attention":
        rank = _attention_of(case, today, near_until)
        return [rank, case.last_activity_at.isoformat(), str(case.id)]
    return [case.last_activity_at.isoformat(), str(case.id)]


def _sorted_page(stmt: Any, sort: str, cursor: str | None, today: date, near_until: date) -> Any:
    if sort == "attention":
        rank = _attention(today, near_until)
        columns = (rank, col(Case.last_activity_at), col(Case.id))
        decoded = decode_cursor(cursor, Key.int4, Key.datetime, Key.uuid)
        stmt = apply(stmt, columns, decoded, descending=True)
        return stmt.order_by(*(c.desc() for c in columns))
    descending = sort.startswith("-")
    key: Any
    after: tuple[Any, uuid.UUID] | None
    if sort.endswith("deadline"):
        key, after = _deadline_key(), decode_cursor(cursor, Key.date, Key.uuid)
    else:
        key, after = col(Case.last_activity_at), decode_cursor(cursor, Key.datetime, Key.uuid)
    stmt = apply(stmt, (key, col(Case.id)), after, descending=descending)
    if descending:
        return stmt.order_by(key.desc(), col(Case.id).desc())
    return stmt.order_by(key.asc(), col(Case.id).asc())


async def inbox_page(
    session: AsyncSession,
    *,
    visible: sa.ColumnElement[bool],
    authority_id: uuid.UUID | None,
    box: str | None,
    statuses: Sequence[str],
    types: Sequence[str],
    urgency: str | None,
    overdue: bool | None,
    counterpart: uuid.UUID | None,
    today: date,
    near_until: date,
    sort: str,
    cursor: str | None,
    limit: int,
) -> PageOf:
    """One page of the visible cases under the inbox's filters, and the next page's cursor."""
    stmt = select(Case).where(visible)
    mine = authority_id
    if box == "incoming":
        stmt = stmt.where(col(Case.requested_authority_id) == mine)
    elif box == "outgoing":
        stmt = stmt.where(col(Case.requesting_authority_id) == mine)
    if statuses:
        stmt = stmt.where(col(Case.status).in_(statuses))
    if types:
        stmt = stmt.where(col(Case.type).in_(types))
    if urgency:
        stmt = stmt.where(col(Case.urgency) == urgency)
    late = _late(today)
    if overdue is True:
        stmt = stmt.where(late)
    elif overdue is False:
        stmt = stmt.where(sa.not_(sa.func.coalesce(late, False)))
    if counterpart is not None:
        stmt = stmt.where(
            sa.or_(
                sa.and_(
                    col(Case.requested_authority_id) == counterpart,
                    col(Case.requesting_authority_id) == mine if mine else sa.true(),
                ),
                sa.and_(
                    col(Case.requesting_authority_id) == counterpart,
                    col(Case.requested_authority_id) == mine if mine else sa.true(),
                ),
            )
        )
    stmt = _sorted_page(stmt, sort, cursor, today, near_until)
    found: list[Case] = list((await session.execute(stmt.limit(limit + 1))).scalars().all())
    return page(found, limit, key=lambda c: _sort_key(c, sort, today, near_until))


async def counts_by_status(
    session: AsyncSession,
    *,
    visible: sa.ColumnElement[bool],
    statuses: Sequence[str],
    today: date,
) -> list[tuple[str, int, int]]:
    """(status, cases, overdue cases) for each of `statuses` that the visible cases are in."""
    rows = await session.execute(
        sa.select(col(Case.status), sa.func.count(), sa.func.count().filter(_late(today)))
        .where(visible, col(Case.status).in_(statuses))
        .group_by(col(Case.status))
    )
    return [(status, int(count), int(late)) for status, count, late in rows.all()]


# --- the deadline monitor's claims ---------------------------------------------------------

_CLAIM_OVERDUE = (
    sa.update(Case)
    .where(
        col(Case.due_date) < sa.bindparam("today"),
        col(Case.status).in_(OPEN_STATUSES),
        col(Case.overdue_since).is_(None),
    )
    .values(overdue_since=sa.bindparam("now"))
    .returning(col(Case.id), col(Case.due_date), col(Case.status))
    .execution_options(synchronize_session=False)
)
_CLAIM_NEAR_DEADLINE = (
    sa.update(Case)
    .where(
        col(Case.due_date) >= sa.bindparam("start"),
        col(Case.due_date) <= sa.bindparam("end"),
        col(Case.status).in_(OPEN_STATUSES),
        col(Case.deadline_near_for).is_distinct_from(col(Case.due_date)),
    )
    .values(deadline_near_for=col(Case.due_date))
    .returning(col(Case.id), col(Case.due_date))
    .execution_options(synchronize_session=False)
)


async def claim_overdue_cases(
    session: AsyncSession, *, today: date, now: datetime
) -> list[tuple[uuid.UUID, date | None, str]]:
    """Mark the open cases due before `today` not yet flagged; (id, due date, status) each."""
    rows = await session.execute(_CLAIM_OVERDUE, {"today": today, "now": now})
    return [(row[0], row[1], row[2]) for row in rows.all()]


async def claim_near_deadlines(
    session: AsyncSession, *, start: date, end: date
) -> list[tuple[uuid.UUID, date | None]]:
    """Mark the open cases due between the two dates not yet announced for that date."""
    rows = await session.execute(_CLAIM_NEAR_DEADLINE, {"start": start, "end": end})
    return [(row[0], row[1]) for row in rows.all()]
