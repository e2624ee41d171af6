"""Every query of the library on its own tables.

The search vector is written here from the texts as readers see them (`simple`
configuration, title weight A, summary and tags weight B), as catalogue entries are. A
document "of a State" is its own State's, or the text of a treaty that State is party to: the
treaty ids come from the directory's service, the library never reads the directory's tables.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.core import pagination
from app.models.library import (
    DOCUMENT_SEARCH_VECTOR,
    LibraryAuthorityLink,
    LibraryDocument,
    LibraryFile,
    LibraryRevision,
    LibrarySheetLink,
    LibraryTreatyLink,
)

_CONFIG: sa.ColumnElement[str] = sa.literal_column("'simple'::regconfig")
_A: sa.ColumnElement[str] = sa.literal_column("'A'::\"char\"")
_B: sa.ColumnElement[str] = sa.literal_column("'B'::\"char\"")
_DOCUMENTS = LibraryDocument.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class DocumentFilters:
    q: str | None = None
    state: str | None = None
    kind: str | None = None
    language: str | None = None
    tag: str | None = None
    authority_id: uuid.UUID | None = None
    sheet_id: uuid.UUID | None = None
    treaty_id: uuid.UUID | None = None


@dataclass(slots=True)
class Links:
    authority_ids: list[uuid.UUID] = field(default_factory=list)
    sheet_ids: list[uuid.UUID] = field(default_factory=list)
    treaty_ids: list[uuid.UUID] = field(default_factory=list)


async def document_by_id(
    session: AsyncSession, document_id: uuid.UUID, *, for_update: bool = False
) -> LibraryDocument | None:
    stmt = select(LibraryDocument).where(col(LibraryDocument.id) == document_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return (await session.execute(stmt)).scalars().first()


async def links_of(session: AsyncSession, document_id: uuid.UUID) -> Links:
    """The document's links, each kind sorted by id (three small indexed reads)."""
    links = Links()
    for model, column, target in (
        (LibraryAuthorityLink, LibraryAuthorityLink.authority_id, links.authority_ids),
        (LibrarySheetLink, LibrarySheetLink.sheet_id, links.sheet_ids),
        (LibraryTreatyLink, LibraryTreatyLink.treaty_id, links.treaty_ids),
    ):
        rows = await session.execute(
            select(col(column)).where(col(model.document_id) == document_id).order_by(col(column))
        )
        target.extend(rows.scalars().all())
    return links


async def replace_links(session: AsyncSession, document_id: uuid.UUID, links: Links) -> None:
    """Make `links` the document's links."""
    for model, column, ids in (
        (LibraryAuthorityLink, "authority_id", links.authority_ids),
        (LibrarySheetLink, "sheet_id", links.sheet_ids),
        (LibraryTreatyLink, "treaty_id", links.treaty_ids),
    ):
        table = cast(sa.Table, model.__table__)  # type: ignore[union-attr]
        await session.execute(sa.delete(table).where(table.c.document_id == document_id))
        if ids:
            await session.execute(
                sa.insert(table), [{"document_id": document_id, column: i} for i in ids]
            )


async def write_search_vector(
    session: AsyncSession, document_id: uuid.UUID, *, title: str, text: str
) -> None:
    vector = sa.func.setweight(sa.func.to_tsvector(_CONFIG, sa.cast(title, sa.Text)), _A).op("||")(
        sa.func.setweight(sa.func.to_tsvector(_CONFIG, sa.cast(text, sa.Text)), _B)
    )
    await session.execute(
        sa.update(_DOCUMENTS)
        .where(_DOCUMENTS.c.id == document_id)
        .values(search_vector=vector, updated_at=_DOCUMENTS.c.updated_at)
    )


async def file_by_id(session: AsyncSession, file_id: uuid.UUID) -> LibraryFile | None:
    return await session.get(LibraryFile, file_id)


async def files_by_id(
    session: AsyncSession, file_ids: Sequence[uuid.UUID | None]
) -> dict[uuid.UUID, LibraryFile]:
    ids = sorted({f for f in file_ids if f is not None})
    if not ids:
        return {}
    rows = await session.execute(select(LibraryFile).where(col(LibraryFile.id).in_(ids)))
    return {f.id: f for f in rows.scalars().all()}


async def revisions_page(
    session: AsyncSession, document_id: uuid.UUID, *, after: tuple[int] | None, limit: int
) -> list[LibraryRevision]:
    """The document's revisions, newest first."""
    column = col(LibraryRevision.id)
    stmt = select(LibraryRevision).where(col(LibraryRevision.document_id) == document_id)
    stmt = pagination.apply(stmt, (column,), after, descending=True)
    rows = await session.execute(stmt.order_by(column.desc()).limit(limit))
    return list(rows.scalars().all())


def _linked_to(model: Any, column: Any, value: uuid.UUID) -> sa.ColumnElement[bool]:
    return col(LibraryDocument.id).in_(select(col(model.document_id)).where(col(column) == value))


def _of_state(state: str, treaty_ids: Sequence[uuid.UUID]) -> sa.ColumnElement[bool]:
    """Documents of the State: its own, or the texts of treaties it is party to."""
    own = col(LibraryDocument.state_code) == state
    if not treaty_ids:
        return own
    texts = select(col(LibraryTreatyLink.document_id)).where(
        col(LibraryTreatyLink.treaty_id).in_(list(treaty_ids))
    )
    return sa.or_(own, col(LibraryDocument.id).in_(texts))


def _conditions(
    filters: DocumentFilters, query: Any | None, state_treaty_ids: Sequence[uuid.UUID]
) -> list[Any]:
    conditions: list[Any] = []
    if query is not None:
        conditions.append(DOCUMENT_SEARCH_VECTOR.op("@@")(query))
    if filters.state:
        conditions.append(_of_state(filters.state, state_treaty_ids))
    if filters.kind:
        conditions.append(col(LibraryDocument.kind) == filters.kind)
    if filters.language:
        conditions.append(col(LibraryDocument.language) == filters.language)
    if filters.tag:
        conditions.append(col(LibraryDocument.tags).contains([filters.tag]))
    if filters.authority_id:
        conditions.append(
            _linked_to(
                LibraryAuthorityLink, LibraryAuthorityLink.authority_id, filters.authority_id
            )
        )
    if filters.sheet_id:
        conditions.append(_linked_to(LibrarySheetLink, LibrarySheetLink.sheet_id, filters.sheet_id))
    if filters.treaty_id:
        conditions.append(
            _linked_to(LibraryTreatyLink, LibraryTreatyLink.treaty_id, filters.treaty_id)
        )
    return conditions


@dataclass(frozen=True, slots=True)
class DocumentRow:
    document: LibraryDocument
    rank: float | None


async def documents_page(
    session: AsyncSession,
    filters: DocumentFilters,
    *,
    query: Any | None,
    state_treaty_ids: Sequence[uuid.UUID],
    after: tuple[Any, ...] | None,
    limit: int,
) -> list[DocumentRow]:
    """A page of documents: best match first with a query, else the last changed first."""
    columns: list[Any] = [LibraryDocument]
    rank = None
    if query is not None:
        rank = sa.func.ts_rank(DOCUMENT_SEARCH_VECTOR, query).label("rank")
        columns.append(rank)
    stmt = sa.select(*columns).where(*_conditions(filters, query, state_treaty_ids))
    if rank is not None:
        stmt = pagination.apply(
            stmt, (rank, col(LibraryDocument.id)), after, descending=(True, False)
        )
        stmt = stmt.order_by(rank.desc(), col(LibraryDocument.id))
    else:
        keys = (col(LibraryDocument.updated_at), col(LibraryDocument.id))
        stmt = pagination.apply(stmt, keys, after, descending=True)
        stmt = stmt.order_by(col(LibraryDocument.updated_at).desc(), col(LibraryDocument.id).desc())
    rows = (await session.execute(stmt.limit(limit))).all()
    return [DocumentRow(row[0], float(row[1]) if rank is not None else None) for row in rows]


async def documents_linked(
    session: AsyncSession,
    *,
    authority_id: uuid.UUID | None = None,
    sheet_id: uuid.UUID | None = None,
    treaty_ids: Sequence[uuid.UUID] = (),
    limit: int,
) -> list[LibraryDocument]:
    """Documents linked to the authority, the sheet or any of the treaties, by title."""
    if authority_id is not None:
        condition = _linked_to(
            LibraryAuthorityLink, LibraryAuthorityLink.authority_id, authority_id
        )
    elif sheet_id is not None:
        condition = _linked_to(LibrarySheetLink, LibrarySheetLink.sheet_id, sheet_id)
    elif treaty_ids:
        condition = col(LibraryDocument.id).in_(
            select(col(LibraryTreatyLink.document_id)).where(
                col(LibraryTreatyLink.treaty_id).in_(list(treaty_ids))
            )
        )
    else:
        return []
    stmt = (
        select(LibraryDocument)
        .where(condition)
        .order_by(col(LibraryDocument.title), col(LibraryDocument.id))
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars().all())


async def national_laws_of(
    session: AsyncSession, state: str, *, limit: int
) -> list[LibraryDocument]:
    """The State's national laws and regulations, by title."""
    stmt = (
        select(LibraryDocument)
        .where(
            col(LibraryDocument.kind) == "national_law", col(LibraryDocument.state_code) == state
        )
        .order_by(col(LibraryDocument.title), col(LibraryDocument.id))
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars().all())
