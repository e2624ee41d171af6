"""The functions other domains call, and the demo directory."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.demo.context import DemoContext
from app.directory import demo, service
from tests.factories import make_authority, make_member, make_requirement_sheet, make_treaty


async def test_cross_domain_functions(session: AsyncSession) -> None:
    authority = await make_authority(session, state_code="ITA", name="Ministero della Giustizia")
    general = await make_requirement_sheet(session, state_code="ITA", request_type="mla")
    freezing = await make_requirement_sheet(
        session, state_code="ITA", request_type="mla", measure="freezing"
    )
    treaty = await make_treaty(session, parties=["ITA", "BRA"])
    await make_treaty(session, parties=["ITA", "FRA"])
    member = await make_member(session)
    auditor = await make_member(session, roles=["auditor"])

    assert await service.get_authority(session, authority.id) is authority
    assert await service.get_authority(session, uuid.uuid4()) is None
    found = await service.requirement_sheet_for(session, state_code="ita", request_type="mla")
    assert found is not None and found.id == general.id
    found = await service.requirement_sheet_for(
        session, state_code="ITA", request_type="mla", measure="freezing"
    )
    assert found is not None and found.id == freezing.id
    found = await service.requirement_sheet_for(
        session, state_code="ITA", request_type="mla", measure="interception"
    )
    assert found is not None and found.id == general.id  # falls back to the general sheet
    assert (
        await service.requirement_sheet_for(session, state_code="ITA", request_type="other") is None
    )
    assert [t.id for t in await service.treaties_between(session, "bra", "ITA")] == [treaty.id]
    assert await service.treaties_between(session, "BRA", "FRA") == []
    assert await service.state_region(session, "bra") == "Americas"
    assert await service.state_region(session, "XXX") is None

    hits = await service.search_text(session, actor=member.actor, q="giustizia", limit=5)
    assert [h.id for h in hits] == [authority.id]
    hit = hits[0]
    assert hit.scope == "directory" and hit.type == "authority"
    assert hit.title == "Ministero della Giustizia (Italy)"
    assert hit.url == f"/api/v1/authorities/{authority.id}"
    assert "<mark>Giustizia</mark>" in hit.snippet and hit.rank > 0
    assert await service.search_text(session, actor=auditor.actor, q="giustizia", limit=5) == []


async def test_demo_directory(client: httpx.AsyncClient, session: AsyncSession) -> None:
    ctx = DemoContext()
    await demo.seed(session, ctx)
    reader = await make_member(session)
    await session.commit()
    for key in ("fra", "ita", "bra", "nga", "tha"):
        assert key in ctx.authorities and key in ctx.extra["authority_keys"]
    response = await client.get(
        "/api/v1/finder",
        params={
            "requesting_state": "BRA",
            "requested_state": "ITA",
            "request_type": "mla",
            "measure": "freezing",
            "urgent": True,
        },
        headers=reader.headers,
    )
    body = response.json()
    assert body["recommended_authority_id"] == str(ctx.authorities["ita"])
    assert body["requirement_sheet"]["measure"] == "freezing"
    titles = [t["title"] for t in body["legal_basis"]["treaties"]]
    assert titles[0].startswith("Treaty between Italy and Brazil")
    assert "United Nations Convention against Transnational Organized Crime" in titles
    nga = await client.get(f"/api/v1/authorities/{ctx.authorities['nga']}", headers=reader.headers)
    assert nga.json()["stale"] is True
    police = await client.get(
        f"/api/v1/authorities/{ctx.authorities['ita_police']}", headers=reader.headers
    )
    assert police.json()["open_failure_reports"] == 1
