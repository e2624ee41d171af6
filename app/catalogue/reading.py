"""Reading the published catalogue: browse and search with facets, export, the figures the
Conference asks for, and the obstacles-and-solutions view.

Every member with the catalogue's read permission reads the published entries; nothing here
shows a draft or anything of a case beyond what its entry says. The obstacles view adds counts
of cases from the cases domain, which withholds every figure under three cases.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.cases import service as cases_service
from app.catalogue import repository
from app.catalogue.constants import LEGAL_BASES, MIN_CASES
from app.catalogue.repository import EntryFilters
from app.catalogue.schemas import (
    CatalogueBasisCounts,
    CatalogueBasisRow,
    CatalogueCaseCounts,
    CatalogueEntryRead,
    CatalogueFacetCount,
    CatalogueFacets,
    CatalogueFigures,
    CatalogueObstacles,
)
from app.catalogue.shapes import entry_read, obstacle_entry
from app.core import audit
from app.core.errors import ValidationFailed
from app.core.pagination import Key, Page, decode_cursor, encode_cursor
from app.directory import service as directory_service
from app.search.query import MAX_QUERY_CHARS, has_words, prefix_query

_FACETS = ("cooperation_type", "measure", "crime_type", "legal_basis", "region", "outcome", "year")


def _query(filters: EntryFilters) -> tuple[Any | None, bool]:
    """(the tsquery, whether the text query can match anything at all)."""
    q = (filters.q or "").strip()[:MAX_QUERY_CHARS]
    if not q:
        return None, True
    if not has_words(q):
        return None, False
    return prefix_query(q), True


async def list_entries(
    session: AsyncSession,
    *,
    actor: Actor,
    filters: EntryFilters,
    cursor: str | None,
    limit: int,
) -> Page[CatalogueEntryRead]:
    """Published entries: the best matches first with `q`, else the newest first."""
    query, possible = _query(filters)
    after: tuple[Any, ...] | None
    if query is not None:
        after = decode_cursor(cursor, Key.float, Key.uuid)
    else:
        after = decode_cursor(cursor, Key.datetime, Key.uuid)
    if not possible:
        return Page[CatalogueEntryRead](items=[], next_cursor=None)
    rows = await repository.published_page(
        session, filters, query=query, after=after, limit=limit + 1
    )
    items, more = rows[:limit], len(rows) > limit
    next_cursor = None
    if more and items:
        last = items[-1]
        key = (
            [last.rank, last.entry.id]
            if query is not None
            else [
                last.entry.published_at,
                last.entry.id,
            ]
        )
        next_cursor = encode_cursor(key)
    return Page[CatalogueEntryRead](
        items=[entry_read(r.entry) for r in items], next_cursor=next_cursor
    )


async def facets(session: AsyncSession, *, actor: Actor, filters: EntryFilters) -> CatalogueFacets:
    """How many published entries match, by each facet's values (all filters applied)."""
    query, possible = _query(filters)
    by_facet: dict[str, list[CatalogueFacetCount]] = {name: [] for name in _FACETS}
    total = 0
    if possible:
        total, rows = await repository.facet_counts(session, filters, query=query)
        for facet, value, count in rows:
            by_facet[facet].append(CatalogueFacetCount(value=value, count=count))
    for name, counts in by_facet.items():
        counts.sort(key=lambda c: (-c.count, c.value) if name != "year" else (c.value,))
    return CatalogueFacets(total=total, **by_facet)


_CSV_COLUMNS = (
    "id",
    "kind",
    "title",
    "cooperation_type",
    "measures",
    "crime_types",
    "legal_basis",
    "disclosure",
    "requesting_state",
    "requested_state",
    "requesting_region",
    "requested_region",
    "outcome",
    "weeks_to_acknowledge",
    "weeks_to_execute",
    "summary",
    "obstacles",
    "solutions",
    "lessons",
    "published_at",
    "discussion_thread_id",
)


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    text = str(value)
    # A cell a spreadsheet would run as a formula is kept as text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


async def export_catalogue(session: AsyncSession, *, actor: Actor, format: str) -> str:
    """The published catalogue as JSON or CSV: the same fields as the read, nothing more."""
    entries = [entry_read(e) for e in await repository.every_published(session)]
    await audit.record(
        session,
        actor=actor,
        action="catalogue.exported",
        target=None,
        details={"format": format, "entries": len(entries)},
        authority_ids=[actor.authority_id],
    )
    if format == "json":
        items = [entry.model_dump(mode="json") for entry in entries]
        return json.dumps({"items": items}, ensure_ascii=False)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_CSV_COLUMNS)
    for entry in entries:
        data = entry.model_dump(mode="json")
        data["discussion_thread_id"] = (data.get("discussion") or {}).get("thread_id")
        writer.writerow([_csv_value(data.get(c)) for c in _CSV_COLUMNS])
    return out.getvalue()


async def figures(session: AsyncSession, *, actor: Actor, region_of: str) -> CatalogueFigures:
    """Published case entries by legal basis (the Convention, treaties, reciprocity, domestic
    law), in total, by year of publication, by region and by both."""
    rows = await repository.basis_counts(session, region_of=region_of)
    cells: dict[tuple[int, Any, Any], dict[str, int]] = defaultdict(dict)
    for row in rows:
        key = (int(row.g), row.year, row.region)
        basis = row.basis if row.basis in LEGAL_BASES else None
        if basis is not None:
            cells[key][basis] = cells[key].get(basis, 0) + int(row.n)
        cells[key]["total"] = cells[key].get("total", 0) + int(row.n)

    def counts(values: dict[str, int]) -> dict[str, int]:
        return {k: values.get(k, 0) for k in (*LEGAL_BASES, "total")}

    # GROUPING(year, region): 0 both, 1 year only, 2 region only, 3 neither.
    def level(g: int) -> list[CatalogueBasisRow]:
        return [
            CatalogueBasisRow(year=year, region=region, **counts(values))
            for (grouping, year, region), values in sorted(
                cells.items(), key=lambda kv: (kv[0][1] or 0, kv[0][2] or "")
            )
            if grouping == g
        ]

    total = next((v for (g, _, _), v in cells.items() if g == 3), {})
    return CatalogueFigures(
        region_of=region_of,
        total=CatalogueBasisCounts(**counts(total)),
        by_year=level(1),
        by_region=level(2),
        by_region_and_year=level(0),
    )


async def obstacles(
    session: AsyncSession,
    *,
    actor: Actor,
    requesting_state: str | None,
    requested_state: str | None,
    measure: str | None,
) -> CatalogueObstacles:
    """What the network knows of obstacles between two States and/or for one measure."""
    requesting = requesting_state.upper() if requesting_state else None
    requested = requested_state.upper() if requested_state else None
    named = [c for c in (requesting, requested) if c]
    if named:
        known = {s.code for s in await directory_service.list_states(session, actor=actor)}
        errors = [
            {"field": field, "message": f"unknown state {code}"}
            for field, code in (("requesting_state", requesting), ("requested_state", requested))
            if code and code not in known
        ]
        if errors:
            raise ValidationFailed(errors=errors)
    counts = await cases_service.obstacle_counts(
        session,
        requesting_state=requesting,
        requested_state=requested,
        measure=measure,
        min_cases=MIN_CASES,
    )
    pair, by_measure = await repository.entries_for_obstacles(
        session,
        requesting_state=requesting,
        requested_state=requested,
        measure=measure,
        limit=20,
    )
    await audit.record(
        session,
        actor=actor,
        action="catalogue.obstacles.viewed",
        target=None,
        details={"requesting_state": requesting, "requested_state": requested, "measure": measure},
        authority_ids=[actor.authority_id],
    )
    return CatalogueObstacles(
        requesting_state=requesting,
        requested_state=requested,
        measure=measure,
        cases=CatalogueCaseCounts(
            min_cases=counts.min_cases,
            cases=counts.cases,
            refused=counts.refused,
            refusal_grounds=counts.refusal_grounds,
            delays=counts.delays,
        ),
        pair_entries=[obstacle_entry(e) for e in pair],
        measure_entries=[obstacle_entry(e) for e in by_measure],
    )
