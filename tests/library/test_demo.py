"""The library's demo step, after the directory's: real texts linked to the demo directory."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.demo.context import DemoContext
from app.directory import demo as directory_demo
from app.library import demo
from app.models.library import LibraryDocument, LibraryRevision
from tests.factories import make_member


async def test_demo_documents_appear_where_they_apply(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ctx = DemoContext()
    await directory_demo.seed(session, ctx)
    await demo.seed(session, ctx)
    reader = await make_member(session)
    await session.commit()
    count = await session.scalar(select(func.count()).select_from(LibraryDocument))
    assert count == len(demo.DOCUMENTS)
    revisions = await session.scalar(select(func.count()).select_from(LibraryRevision))
    assert revisions == count
    assert any(line.startswith("Library:") for line in ctx.lines)

    answer = await client.get(
        "/api/v1/library/applicable",
        params={"requesting_state": "BRA", "requested_state": "ITA", "request_type": "mla"},
        headers=reader.headers,
    )
    assert answer.status_code == 200, answer.text
    reasons = {item["title"]: item["reasons"] for item in answer.json()["items"]}
    assert reasons["Trattato di mutua assistenza in materia penale tra Italia e Brasile"] == [
        "treaty"
    ]
    assert reasons["United Nations Convention against Transnational Organized Crime"] == ["treaty"]
    italian = next(title for title in reasons if title.startswith("Codice di procedura penale"))
    assert reasons[italian] == ["sheet", "national_law"]
    french = await client.get(
        f"/api/v1/library/applicable?authority_id={ctx.authorities['fra']}", headers=reader.headers
    )
    assert [i["reasons"] for i in french.json()["items"]] == [["authority", "national_law"]]
