"""The Conference's figures: published case entries by legal basis, region and year, adding up."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.catalogue import CatalogueEntry
from tests.cases.conftest import Network
from tests.catalogue.conftest import API

# (legal basis, requesting region, requested region, year)
_ENTRIES = [
    ("convention", "Europe", "Europe", 2025),
    ("convention", "Africa", "Europe", 2025),
    ("convention", "Americas", "Africa", 2026),
    ("reciprocity", "Europe", "Americas", 2026),
    ("reciprocity", "Asia", "Americas", 2025),
    ("treaty", "Europe", "Africa", 2026),
    ("domestic_law", "Oceania", "Asia", 2026),
]

_BASES = ("convention", "treaty", "reciprocity", "domestic_law")


async def test_convention_versus_reciprocity_and_treaties_adds_up(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    session.add_all(
        [
            CatalogueEntry(
                kind="case",
                status="published",
                title=f"Entry {i}",
                legal_basis=basis,
                requesting_region=requesting,
                requested_region=requested,
                published_at=datetime(year, 6, 1, tzinfo=UTC),
            )
            for i, (basis, requesting, requested, year) in enumerate(_ENTRIES)
        ]
        # Not counted: a note, an entry still in review, a withdrawn one.
        + [
            CatalogueEntry(
                kind="practice",
                status="published",
                title="Note",
                legal_basis="convention",
                requested_region="Europe",
                published_at=datetime(2026, 1, 1, tzinfo=UTC),
            ),
            CatalogueEntry(
                kind="case",
                status="in_review",
                title="Pending",
                legal_basis="convention",
                requested_region="Europe",
            ),
            CatalogueEntry(
                kind="case",
                status="withdrawn",
                title="Withdrawn",
                legal_basis="reciprocity",
                requested_region="Europe",
                published_at=datetime(2026, 1, 1, tzinfo=UTC),
            ),
        ]
    )
    await session.commit()

    figures = (await client.get(f"{API}/catalogue/figures", headers=net.fr.headers)).json()
    total = figures["total"]
    assert total == {"convention": 3, "treaty": 1, "reciprocity": 2, "domestic_law": 1,
                     "total": 7}  # fmt: skip
    assert sum(total[b] for b in _BASES) == total["total"]
    for level in ("by_year", "by_region", "by_region_and_year"):
        rows = figures[level]
        for basis in (*_BASES, "total"):
            assert sum(r[basis] for r in rows) == total[basis], (level, basis)
        for row in rows:
            assert sum(row[b] for b in _BASES) == row["total"]
    by_year = {r["year"]: r for r in figures["by_year"]}
    assert by_year[2025]["convention"] == 2 and by_year[2025]["reciprocity"] == 1
    assert by_year[2026]["convention"] == 1 and by_year[2026]["treaty"] == 1
    by_region = {r["region"]: r for r in figures["by_region"]}
    assert figures["region_of"] == "requested"
    assert by_region["Europe"]["convention"] == 2
    assert by_region["Americas"]["reciprocity"] == 2
    assert by_region["Africa"] == {"year": None, "region": "Africa", "convention": 1,
                                   "treaty": 1, "reciprocity": 0, "domestic_law": 0,
                                   "total": 2}  # fmt: skip

    requesting = await client.get(
        f"{API}/catalogue/figures", params={"region_of": "requesting"}, headers=net.fr.headers
    )
    by_requesting = {r["region"]: r["total"] for r in requesting.json()["by_region"]}
    assert by_requesting == {"Europe": 3, "Africa": 1, "Americas": 1, "Asia": 1, "Oceania": 1}
    assert sum(by_requesting.values()) == requesting.json()["total"]["total"] == 7
