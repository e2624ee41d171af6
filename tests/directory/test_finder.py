"""The authority finder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.directory import ContactFailureReport
from tests.factories import make_authority, make_member, make_requirement_sheet, make_treaty


async def _italy(session: AsyncSession):
    police = await make_authority(
        session,
        state_code="ITA",
        name="Servizio per la Cooperazione Internazionale di Polizia",
        types=["law_enforcement_cooperation"],
    )
    ministry = await make_authority(
        session, state_code="ITA", name="Ministero della Giustizia", types=["mla", "extradition"]
    )
    ministry.languages, ministry.channels = ["it", "en", "fr"], ["direct_transmission", "interpol"]
    ministry.urgent_procedure = "Call the **duty office** first."
    ministry.contact_24_7 = "+39 06 0000"
    ministry.convention_basis_extradition = True
    ministry.convention_basis_mla = True
    ministry.last_verified_at = datetime.now(UTC)
    session.add(ministry)
    return police, ministry


async def test_finder_answers_everything(client: httpx.AsyncClient, session: AsyncSession):
    police, ministry = await _italy(session)
    reader = await make_member(session)
    await make_requirement_sheet(
        session,
        state_code="ITA",
        request_type="mla",
        languages=["it"],
        requirements=["dual_criminality"],
        receiving_authority_id=ministry.id,
    )
    await make_requirement_sheet(
        session,
        state_code="ITA",
        request_type="mla",
        measure="search_and_seizure",
        languages=["it"],
        requirements=["dual_criminality", "certified_translation"],
        last_verified_at=datetime.now(UTC) - timedelta(days=500),
    )
    await make_treaty(session, parties=["ITA", "BRA"], title="ITA-BRA MLA", subjects=["mla"])
    await make_treaty(
        session, parties=["ITA", "BRA"], title="ITA-BRA extradition", subjects=["extradition"]
    )
    await make_treaty(
        session, parties=["ITA", "BRA", "FRA"], title="UNTOC", kind="multilateral", subjects=[]
    )
    await make_treaty(session, parties=["ITA", "FRA"], title="not BRA", subjects=["mla"])
    await session.commit()

    response = await client.get(
        "/api/v1/finder",
        params={
            "requesting_state": "bra",
            "requested_state": "ITA",
            "request_type": "mla",
            "measure": "search_and_seizure",
            "urgent": True,
        },
        headers=reader.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["requested_state"]["name"] == "Italy"
    assert body["recommended_authority_id"] == str(ministry.id)
    assert [a["authority"]["id"] for a in body["authorities"]] == [str(ministry.id), str(police.id)]
    assert body["authorities"][1]["handles_request_type"] is False
    assert body["languages"] == ["it"] and body["channels"] == ["direct_transmission", "interpol"]
    sheet = body["requirement_sheet"]
    assert (
        sheet["measure"] == "search_and_seizure"
        and "certified_translation" in sheet["requirements"]
    )
    assert [t["title"] for t in body["legal_basis"]["treaties"]] == ["ITA-BRA MLA", "UNTOC"]
    convention = body["legal_basis"]["convention"]
    assert convention["applicable"] is True and convention["articles"] == ["UNTOC art. 18"]
    assert "18(7)" in convention["note"]
    assert body["urgent_procedure"]["contact_24_7"] == "+39 06 0000"
    assert body["urgent_procedure"]["interpol_accepted"] is True
    assert "<strong>duty office</strong>" in body["urgent_procedure"]["procedure_html"]
    stale = {(s["type"], s["id"]) for s in body["stale"]}
    assert stale == {("authority", str(police.id)), ("requirement_sheet", sheet["id"])}


async def test_finder_extradition_and_gaps(client: httpx.AsyncClient, session: AsyncSession):
    _, ministry = await _italy(session)
    ministry.convention_basis_extradition = False
    session.add(ministry)
    session.add(ContactFailureReport(authority_id=ministry.id, channel="email"))
    reader = await make_member(session)
    await session.commit()
    response = await client.get(
        "/api/v1/finder",
        params={"requesting_state": "FRA", "requested_state": "ITA", "request_type": "extradition"},
        headers=reader.headers,
    )
    body = response.json()
    assert body["legal_basis"]["treaties"] == []
    assert body["legal_basis"]["convention"]["applicable"] is False
    assert body["requirement_sheet"] is None and body["urgent_procedure"] is None
    assert any("no requirement sheet" in w for w in body["warnings"])
    assert any("contacting Ministero della Giustizia failed" in w for w in body["warnings"])
    assert body["authorities"][0]["authority"]["open_failure_reports"] == 1

    # A state with nothing in the directory still answers, with warnings.
    response = await client.get(
        "/api/v1/finder",
        params={
            "requesting_state": "ITA",
            "requested_state": "THA",
            "request_type": "transfer_of_sentenced_persons",
        },
        headers=reader.headers,
    )
    body = response.json()
    assert body["recommended_authority_id"] is None and body["authorities"] == []
    assert body["legal_basis"]["convention"]["applicable"] is False
    assert "art. 17" in body["legal_basis"]["convention"]["note"]
    assert any("no authority for Thailand" in w for w in body["warnings"])


async def test_finder_validates(client: httpx.AsyncClient, session: AsyncSession):
    reader = await make_member(session)
    auditor = await make_member(session, roles=["auditor"])
    await session.commit()
    params = {"requesting_state": "FRA", "requested_state": "QQQ", "request_type": "mla"}
    response = await client.get("/api/v1/finder", params=params, headers=reader.headers)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "requested_state", "message": "unknown state QQQ"}
    ]
    params = {"requesting_state": "FRA", "requested_state": "ITA", "request_type": "nope"}
    assert (
        await client.get("/api/v1/finder", params=params, headers=reader.headers)
    ).status_code == 422
    params = {"requesting_state": "FRA", "requested_state": "ITA", "request_type": "mla"}
    assert (
        await client.get("/api/v1/finder", params=params, headers=auditor.headers)
    ).status_code == 403
