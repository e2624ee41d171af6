"""Every query of the catalogue on its own tables.

The published catalogue is read with `published_clause` and the filters in one WHERE; the
search vector is written here from the texts as readers see them (`simple` configuration,
title weight A, the rest weight B), as forum posts are.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.core import pagination
from app.models.catalogue import (
    ENTRY_SEARCH_VECTOR,
    CatalogueCaseLink,
    CatalogueDiscussion,
    CatalogueEntry,
)

_CONFIG: sa.ColumnElement[str] = sa.literal_column("'simple'::regconfig")
_A: sa.ColumnElement[str] = sa.literal_column("'A'::\"char\"")
_B: sa.ColumnElement[str] = sa.literal_column("'B'::\"char\"")
_ENTRIES = CatalogueEntry.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class EntryFilters:
    q: str | None = None
    kind: str | None = None
    cooperation_type: str | None = None
    measure: str | None = None
    crime_type: str | None = None
    legal_basis: str | None = None
    region: str | None = None
    outcome: str | None = None
    year: int | None = None


async def entry_by_id(
    session: AsyncSession, entry_id: uuid.UUID, *, for_update: bool = False
) -> CatalogueEntry | None:
    stmt = select(CatalogueEntry).where(col(CatalogueEntry.id) == entry_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return (await session.execute(stmt)).scalars().first()


async def case_link(session: AsyncSession, entry_id: uuid.UUID) -> CatalogueCaseLink | None:
    return await session.get(CatalogueCaseLink, entry_id)


async def live_nomination(session: AsyncSession, case_id: uuid.UUID) -> uuid.UUID | None:
    """The entry under way or published for this case, if any."""
    stmt = select(CatalogueCaseLink.entry_id).where(
        col(CatalogueCaseLink.case_id) == case_id, col(CatalogueCaseLink.live)
    )
    return (await session.execute(stmt)).scalars().first()


async def write_search_vector(
    session: AsyncSession, entry_id: uuid.UUID, *, title: str, text: str
) -> None:
    vector = sa.func.setweight(sa.func.to_tsvector(_CONFIG, sa.cast(title, sa.Text)), _A).op("||")(
        sa.func.setweight(sa.func.to_tsvector(_CONFIG, sa.cast(text, sa.Text)), _B)
    )
    await session.execute(
        sa.update(_ENTRIES).where(_ENTRIES.c.id == entry_id).values(search_vector=vector)
    )


def _published() -> list[Any]:
    return [col(CatalogueEntry.status) == "published"]


def _conditions(filters: EntryFilters, query: Any | None) -> list[Any]:
    conditions = _published()
    if query is not None:
        conditions.append(ENTRY_SEARCH_VECTOR.op("@@")(query))
    for column, value in (
        (CatalogueEntry.kind, filters.kind),
        (CatalogueEntry.cooperation_type, filters.cooperation_type),
        (CatalogueEntry.legal_basis, filters.legal_basis),
        (CatalogueEntry.outcome, filters.outcome),
    ):
        if value:
            conditions.append(col(column) == value)
    if filters.measure:
        conditions.append(col(CatalogueEntry.measures).contains([filters.measure]))
    if filters.crime_type:
        conditions.append(col(CatalogueEntry.crime_types).contains([filters.crime_type]))
    if filters.region:
        conditions.append(
            sa.or_(
                col(CatalogueEntry.requesting_region) == filters.region,
                col(CatalogueEntry.requested_region) == filters.region,
            )
        )
    if filters.year is not None:
        conditions.append(_year() == filters.year)
    return conditions


def _year() -> sa.ColumnElement[int]:
    moment = sa.func.timezone("UTC", col(CatalogueEntry.published_at))
    return sa.cast(sa.func.extract("year", moment), sa.Integer)


@dataclass(frozen=True, slots=True)
class PublishedRow:
    entry: CatalogueEntry
    rank: float | None


async def published_page(
    session: AsyncSession,
    filters: EntryFilters,
    *,
    query: Any | None,
    after: tuple[Any, ...] | None,
    limit: int,
) -> list[PublishedRow]:
    """A page of published entries: best match first with a query, else newest first."""
    columns: list[Any] = [CatalogueEntry]
    rank = None
    if query is not None:
        rank = sa.func.ts_rank(ENTRY_SEARCH_VECTOR, query).label("rank")
        columns.append(rank)
    stmt = sa.select(*columns).where(*_conditions(filters, query))
    if rank is not None:
        stmt = pagination.apply(
            stmt, (rank, col(CatalogueEntry.id)), after, descending=(True, False)
        )
        stmt = stmt.order_by(rank.desc(), col(CatalogueEntry.id))
    else:
        keys = (col(CatalogueEntry.published_at), col(CatalogueEntry.id))
        stmt = pagination.apply(stmt, keys, after, descending=True)
        stmt = stmt.order_by(col(CatalogueEntry.published_at).desc(), col(CatalogueEntry.id).desc())
    rows = (await session.execute(stmt.limit(limit))).all()
    return [PublishedRow(row[0], float(row[1]) if rank is not None else None) for row in rows]


async def every_published(session: AsyncSession) -> Sequence[CatalogueEntry]:
    """The whole published catalogue, newest first (for the export)."""
    stmt = (
        select(CatalogueEntry)
        .where(*_published())
        .order_by(col(CatalogueEntry.published_at).desc(), col(CatalogueEntry.id).desc())
    )
    return (await session.execute(stmt)).scalars().all()


async def facet_counts(
    session: AsyncSession, filters: EntryFilters, *, query: Any | None
) -> tuple[int, list[tuple[str, str, int]]]:
    """(entries matching, [(facet, value, entries)]) in one statement: every facet counts the
    entries matching all the filters."""
    matching = (
        sa.select(
            col(CatalogueEntry.id).label("id"),
            col(CatalogueEntry.cooperation_type).label("cooperation_type"),
            col(CatalogueEntry.measures).label("measures"),
            col(CatalogueEntry.crime_types).label("crime_types"),
            col(CatalogueEntry.legal_basis).label("legal_basis"),
            col(CatalogueEntry.requesting_region).label("requesting_region"),
            col(CatalogueEntry.requested_region).label("requested_region"),
            col(CatalogueEntry.outcome).label("outcome"),
            _year().label("year"),
        )
        .where(*_conditions(filters, query))
        .cte("matching")
    )
    m = matching.c

    def plain(name: str, column: Any) -> Any:
        value = sa.cast(column, sa.Text)
        return (
            sa.select(sa.literal(name).label("facet"), value.label("value"), sa.func.count())
            .select_from(matching)
            .where(column.is_not(None))
            .group_by(value)
        )

    def unnested(name: str, array: Any) -> Any:
        item = sa.func.unnest(array).table_valued("value").render_derived(name=f"{name}_values")
        return (
            sa.select(
                sa.literal(name).label("facet"),
                item.c.value.label("value"),
                sa.func.count(sa.distinct(m.id)),
            )
            .select_from(matching.join(item, sa.true()))
            .group_by(item.c.value)
        )

    regions = sa.func.array_remove(
        postgresql.array([m.requesting_region, m.requested_region]), sa.null()
    )
    union: Any = sa.union_all(
        sa.select(sa.literal("total"), sa.literal(""), sa.func.count()).select_from(matching),
        plain("cooperation_type", m.cooperation_type),
        unnested("measure", m.measures),
        unnested("crime_type", m.crime_types),
        plain("legal_basis", m.legal_basis),
        unnested("region", regions),
        plain("outcome", m.outcome),
        plain("year", m.year),
    )
    rows = (await session.execute(union)).all()
    total = next((int(r[2]) for r in rows if r[0] == "total"), 0)
    return total, [(r[0], str(r[1]), int(r[2])) for r in rows if r[0] != "total"]


async def basis_counts(session: AsyncSession, *, region_of: str) -> Sequence[sa.Row[Any]]:
    """Published case entries counted by (year, region, legal basis), with every subtotal."""
    region = col(
        CatalogueEntry.requested_region
        if region_of == "requested"
        else CatalogueEntry.requesting_region
    )
    year = _year()
    stmt = (
        sa.select(
            year.label("year"),
            region.label("region"),
            col(CatalogueEntry.legal_basis).label("basis"),
            sa.func.grouping(year, region).label("g"),
            sa.func.count().label("n"),
        )
        .where(*_published(), col(CatalogueEntry.kind) == "case")
        .group_by(
            sa.func.grouping_sets(
                sa.tuple_(year, region, col(CatalogueEntry.legal_basis)),
                sa.tuple_(year, col(CatalogueEntry.legal_basis)),
                sa.tuple_(region, col(CatalogueEntry.legal_basis)),
                sa.tuple_(col(CatalogueEntry.legal_basis)),
            )
        )
    )
    return (await session.execute(stmt)).all()


async def entries_for_obstacles(
    session: AsyncSession,
    *,
    requesting_state: str | None,
    requested_state: str | None,
    measure: str | None,
    limit: int,
) -> tuple[list[CatalogueEntry], list[CatalogueEntry]]:
    """(published entries between the two States, published entries of the measure)."""
    newest = (col(CatalogueEntry.published_at).desc(), col(CatalogueEntry.id).desc())
    pair: list[CatalogueEntry] = []
    if requesting_state or requested_state:
        conditions = [*_published(), col(CatalogueEntry.disclosure) == "states"]
        if requesting_state:
            conditions.append(col(CatalogueEntry.requesting_state) == requesting_state)
        if requested_state:
            conditions.append(col(CatalogueEntry.requested_state) == requested_state)
        stmt = select(CatalogueEntry).where(*conditions).order_by(*newest).limit(limit)
        pair = list((await session.execute(stmt)).scalars().all())
    by_measure: list[CatalogueEntry] = []
    if measure:
        stmt = (
            select(CatalogueEntry)
            .where(*_published(), col(CatalogueEntry.measures).contains([measure]))
            .order_by(*newest)
            .limit(limit)
        )
        by_measure = list((await session.execute(stmt)).scalars().all())
    return pair, by_measure


async def queue(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    focal_authority_id: uuid.UUID | None,
    moderator: bool,
    limit: int,
) -> Sequence[CatalogueEntry]:
    """Entries the caller wrote, those awaiting their authority's consent (focal point) or
    whose consent their authority may withdraw, and those waiting for review (moderator)."""
    mine = col(CatalogueEntry.author_id) == user_id
    conditions: list[Any] = [mine]
    if focal_authority_id is not None:
        links = select(CatalogueCaseLink.entry_id).where(
            sa.or_(
                col(CatalogueCaseLink.requesting_authority_id) == focal_authority_id,
                col(CatalogueCaseLink.requested_authority_id) == focal_authority_id,
            )
        )
        conditions.append(
            sa.and_(
                col(CatalogueEntry.id).in_(links),
                col(CatalogueEntry.status).in_(
                    ("awaiting_consent", "in_review", "changes_requested", "published")
                ),
            )
        )
    if moderator:
        conditions.append(col(CatalogueEntry.status) == "in_review")
    stmt = (
        select(CatalogueEntry)
        .where(sa.or_(*conditions))
        .order_by(col(CatalogueEntry.updated_at).desc(), col(CatalogueEntry.id).desc())
        .limit(limit)
    )
    return (await session.execute(stmt)).scalars().all()


async def discussion_forum_id(session: AsyncSession) -> uuid.UUID | None:
    row = await session.get(CatalogueDiscussion, 1)
    return row.forum_id if row is not None else None


async def set_discussion_forum(session: AsyncSession, forum_id: uuid.UUID) -> None:
    row = await session.get(CatalogueDiscussion, 1, with_for_update=True)
    if row is None:
        session.add(CatalogueDiscussion(id=1, forum_id=forum_id))
    else:
        row.forum_id = forum_id
    await session.flush()
