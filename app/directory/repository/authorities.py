"""Authorities: the directory's search and filters, one entry with its state and open
failure reports, a state's authorities (the finder), their names for applicants."""

from __future__ import annotations

import html
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.core import pagination
from app.models.directory import AUTHORITY_SEARCH_VECTOR, Authority, ContactFailureReport, State

# Private-use characters mark matches in ts_headline output; the rest is HTML-escaped in
# Python and the markers become <mark>, so no stored text can inject markup into a snippet.
_START, _STOP = "\ue000", "\ue001"
_HEADLINE_OPTIONS = f"StartSel={_START}, StopSel={_STOP}, MaxWords=24, MinWords=8"
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def prefix_tsquery(q: str) -> sa.ColumnElement[Any] | None:
    """`to_tsquery('simple', 'w1:* & w2:*')` from the words of `q`, or None if it has none.

    Prefix matching lets "centr auth" find "Central Authority"; only word characters reach
    to_tsquery, so user input can never be a tsquery syntax error.
    """
    # Lowercased here (Unicode-aware) as the search trigger lowercases documents with an ICU
    # collation: the database's own folding may know only ASCII (C collation).
    words = [w.lower() for w in _WORD.findall(q)][:12]
    if not words:
        return None
    return sa.func.to_tsquery(
        sa.literal_column("'simple'::regconfig"), " & ".join(f"{w}:*" for w in words)
    )


def render_snippet(headline: str | None) -> str:
    """ts_headline output -> HTML-escaped text with matches wrapped in <mark>."""
    escaped = html.escape(headline or "", quote=False)
    return escaped.replace(_START, "<mark>").replace(_STOP, "</mark>")


def _document() -> sa.ColumnElement[str]:
    return sa.func.concat_ws(
        " ",
        col(Authority.name),
        col(Authority.name_original),
        col(Authority.address),
        col(Authority.notes),
    )


@dataclass(frozen=True, slots=True)
class AuthorityRow:
    authority: Authority
    state_name: str
    region: str | None
    open_failures: int
    rank: float | None
    snippet: str | None


@dataclass(frozen=True, slots=True)
class AuthorityFilters:
    states: list[str]
    region: str | None = None
    type: str | None = None
    language: str | None = None
    channel: str | None = None
    q: str | None = None
    # With stale_before: True keeps entries not verified since then, False the others.
    stale: bool | None = None
    stale_before: datetime | None = None
    flagged: bool | None = None


def open_failures_column() -> sa.ScalarSelect[int]:
    return (
        select(sa.func.count())
        .select_from(ContactFailureReport)
        .where(
            col(ContactFailureReport.authority_id) == col(Authority.id),
            col(ContactFailureReport.resolved_at).is_(None),
        )
        .scalar_subquery()
    )


async def search_authorities(
    session: AsyncSession,
    filters: AuthorityFilters,
    *,
    after: tuple[Any, ...] | None,
    limit: int,
) -> list[AuthorityRow]:
    """One page of authorities matching `filters`: ranked by relevance when there is a text
    query, else ordered by state name and authority name. One query, whatever the page size."""
    failures = open_failures_column().label("open_failures")
    query = prefix_tsquery(filters.q) if filters.q else None
    rank: sa.ColumnElement[float] | None = None
    columns: list[Any] = [Authority, col(State.name), col(State.region), failures]
    if query is not None:
        rank = sa.func.ts_rank(AUTHORITY_SEARCH_VECTOR, query).label("rank")
        headline = sa.func.ts_headline(
            sa.literal_column("'simple'::regconfig"), _document(), query, _HEADLINE_OPTIONS
        ).label("headline")
        columns += [rank, headline]
    stmt = select(*columns).join(State, col(State.code) == col(Authority.state_code))
    if filters.q and query is None:
        return []  # a query with no words matches nothing
    if query is not None:
        stmt = stmt.where(AUTHORITY_SEARCH_VECTOR.op("@@")(query))
    if filters.states:
        stmt = stmt.where(col(Authority.state_code).in_(filters.states))
    if filters.region:
        stmt = stmt.where(
            sa.or_(
                col(State.region) == filters.region,
                col(State.subregion) == filters.region,
                col(State.intermediate_region) == filters.region,
            )
        )
    for column, value in (
        (Authority.types, filters.type),
        (Authority.languages, filters.language),
        (Authority.channels, filters.channel),
    ):
        if value:
            # Array containment uses the GIN index.
            stmt = stmt.where(col(column).contains([value]))
    if filters.stale is not None and filters.stale_before is not None:
        stale = sa.or_(
            col(Authority.last_verified_at).is_(None),
            col(Authority.last_verified_at) < filters.stale_before,
        )
        stmt = stmt.where(stale if filters.stale else sa.not_(stale))
    if filters.flagged is not None:
        exists = (
            select(ContactFailureReport.id)
            .where(
                col(ContactFailureReport.authority_id) == col(Authority.id),
                col(ContactFailureReport.resolved_at).is_(None),
            )
            .exists()
        )
        stmt = stmt.where(exists if filters.flagged else ~exists)
    # `after` is the key of `page_key` (decoded by the caller, which knows which order applies).
    if rank is not None:
        stmt = pagination.apply(stmt, (rank, col(Authority.id)), after, descending=(True, False))
        stmt = stmt.order_by(rank.desc(), col(Authority.id))
    else:
        stmt = pagination.apply(
            stmt, (col(State.name), col(Authority.name), col(Authority.id)), after
        )
        stmt = stmt.order_by(col(State.name), col(Authority.name), col(Authority.id))
    rows = (await session.execute(stmt.limit(limit))).all()
    return [
        AuthorityRow(
            authority=row[0],
            state_name=row[1],
            region=row[2],
            open_failures=int(row[3]),
            rank=float(row[4]) if rank is not None else None,
            snippet=render_snippet(row[5]) if rank is not None else None,
        )
        for row in rows
    ]


def page_key(row: AuthorityRow) -> list[Any]:
    """The cursor values of a row (must mirror the ORDER BY of `search_authorities`)."""
    if row.rank is not None:
        return [row.rank, str(row.authority.id)]
    return [row.state_name, row.authority.name, str(row.authority.id)]


@dataclass(frozen=True, slots=True)
class AuthorityHit:
    id: uuid.UUID
    name: str
    state_name: str
    snippet: str
    rank: float


async def search_authority_hits(session: AsyncSession, *, q: str, limit: int) -> list[AuthorityHit]:
    """Best matches of `q` for the cross-domain search."""
    rows = await search_authorities(
        session, AuthorityFilters(states=[], q=q), after=None, limit=limit
    )
    return [
        AuthorityHit(
            id=r.authority.id,
            name=r.authority.name,
            state_name=r.state_name,
            snippet=r.snippet or "",
            rank=r.rank or 0.0,
        )
        for r in rows
    ]


async def authority_row(session: AsyncSession, authority_id: uuid.UUID) -> AuthorityRow | None:
    """One authority with its state's name and region and its open failure reports."""
    failures = open_failures_column()
    row = (
        await session.execute(
            select(Authority, col(State.name), col(State.region), failures)
            .join(State, col(State.code) == col(Authority.state_code))
            .where(col(Authority.id) == authority_id)
        )
    ).first()
    if row is None:
        return None
    return AuthorityRow(row[0], row[1], row[2], int(row[3]), None, None)


def _authorities_of_state(*, by_type: bool) -> Any:
    order: list[Any] = []
    if by_type:
        handles = col(Authority.types).contains(
            sa.bindparam("request_types", type_=Authority.__table__.c.types.type)  # type: ignore[attr-defined]
        )
        order.append(sa.not_(handles))
    return (
        select(Authority, open_failures_column())
        .where(col(Authority.state_code) == sa.bindparam("state_code"))
        .order_by(*order, col(Authority.name), col(Authority.id))
    )


# The finder runs these on every answer: built once.
_AUTHORITIES_OF_STATE = _authorities_of_state(by_type=False)
_AUTHORITIES_OF_STATE_BY_TYPE = _authorities_of_state(by_type=True)


async def authorities_of_state(
    session: AsyncSession, state_code: str, *, request_type: str | None = None
) -> list[tuple[Authority, int]]:
    """A state's authorities (with open failure reports), those handling `request_type`
    first."""
    if request_type:
        stmt = _AUTHORITIES_OF_STATE_BY_TYPE
        params: dict[str, Any] = {"state_code": state_code, "request_types": [request_type]}
    else:
        stmt, params = _AUTHORITIES_OF_STATE, {"state_code": state_code}
    return [(row[0], int(row[1])) for row in (await session.execute(stmt, params)).all()]


_AUTHORITY_NAMES = (
    select(col(Authority.id), col(Authority.name), col(Authority.state_code), col(State.name))
    .join(State, col(State.code) == col(Authority.state_code))
    .order_by(col(State.name), col(Authority.name), col(Authority.id))
)


async def authority_names(session: AsyncSession) -> list[tuple[uuid.UUID, str, str, str]]:
    """(id, name, state code, state name) of every authority, by state then name."""
    return [(r[0], r[1], r[2], r[3]) for r in (await session.execute(_AUTHORITY_NAMES)).all()]


async def authority_ids_in_states(session: AsyncSession, codes: list[str]) -> list[uuid.UUID]:
    """Ids of the authorities of these states (event audiences for state-wide changes)."""
    if not codes:
        return []
    rows = await session.execute(
        select(Authority.id).where(col(Authority.state_code).in_(codes)).order_by(col(Authority.id))
    )
    return list(rows.scalars())


async def authority_by_id(session: AsyncSession, authority_id: uuid.UUID) -> Authority | None:
    return await session.get(Authority, authority_id)


async def authorities_by_id(
    session: AsyncSession, authority_ids: list[uuid.UUID]
) -> dict[uuid.UUID, Authority]:
    """The authorities among these ids (one query)."""
    rows = await session.execute(select(Authority).where(col(Authority.id).in_(authority_ids)))
    return {a.id: a for a in rows.scalars().all()}


async def states_of_authorities(
    session: AsyncSession, authority_ids: set[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """authority id -> its state code, for the authorities among these ids."""
    rows = await session.execute(
        select(Authority.id, Authority.state_code).where(col(Authority.id).in_(authority_ids))
    )
    return {a_id: code for a_id, code in rows.all()}


async def authority_ids_by_state(
    session: AsyncSession, codes: set[str]
) -> dict[str, list[uuid.UUID]]:
    """state code -> ids of its authorities."""
    by_state: dict[str, list[uuid.UUID]] = {}
    rows = await session.execute(
        select(Authority.id, Authority.state_code).where(col(Authority.state_code).in_(codes))
    )
    for authority_id, code in rows:
        by_state.setdefault(code, []).append(authority_id)
    return by_state


async def every_authority(session: AsyncSession) -> list[Authority]:
    """Every authority, by state and name (the export)."""
    rows = await session.execute(
        select(Authority).order_by(col(Authority.state_code), col(Authority.name))
    )
    return list(rows.scalars())
