"""Search and filters: state, region, type, language, channel, text (ranked), pagination."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.directory import ContactFailureReport
from tests.factories import make_authority, make_member


async def _seed(session: AsyncSession) -> dict[str, object]:
    fra = await make_authority(session, state_code="FRA", name="Bureau de l'entraide pénale")
    fra.languages, fra.channels = ["fr", "en"], ["direct_transmission"]
    fra.notes = "Handles extradition and mutual assistance for France."
    ita = await make_authority(session, state_code="ITA", name="Ministero della Giustizia")
    ita.languages, ita.channels = ["it"], ["diplomatic_channel"]
    bra = await make_authority(
        session, state_code="BRA", name="DRCI Central Authority", types=["mla"]
    )
    bra.languages, bra.channels = ["pt", "en"], ["direct_transmission", "interpol"]
    bra.last_verified_at = datetime.now(UTC)
    nga = await make_authority(
        session, state_code="NGA", name="Central Authority Unit", types=["extradition"]
    )
    nga.languages = ["en"]
    for a in (fra, ita, bra, nga):
        session.add(a)
    await session.flush()
    reader = await make_member(session, roles=["officer"])
    await session.commit()
    return {"fra": fra, "ita": ita, "bra": bra, "nga": nga, "reader": reader}


def _names(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()["items"]]


async def test_filters(client: httpx.AsyncClient, session: AsyncSession) -> None:
    data = await _seed(session)
    headers = data["reader"].headers  # type: ignore[attr-defined]

    async def get(**params: object) -> list[str]:
        return _names(await client.get("/api/v1/authorities", params=params, headers=headers))

    assert await get() == [
        "DRCI Central Authority",
        "Bureau de l'entraide pénale",
        "Ministero della Giustizia",
        "Central Authority Unit",
    ]  # by state name: Brazil, France, Italy, Nigeria
    assert await get(state="ita") == ["Ministero della Giustizia"]
    assert await get(state=["FRA", "NGA"]) == [
        "Bureau de l'entraide pénale",
        "Central Authority Unit",
    ]
    assert await get(region="Europe") == [
        "Bureau de l'entraide pénale",
        "Ministero della Giustizia",
    ]
    assert await get(region="Western Africa") == ["Central Authority Unit"]
    assert await get(region="Latin America and the Caribbean") == ["DRCI Central Authority"]
    assert await get(type="extradition") == [
        "Bureau de l'entraide pénale",
        "Ministero della Giustizia",
        "Central Authority Unit",
    ]
    assert await get(language="EN") == [
        "DRCI Central Authority",
        "Bureau de l'entraide pénale",
        "Central Authority Unit",
    ]
    assert await get(channel="interpol") == ["DRCI Central Authority"]
    assert await get(type="mla", language="en", channel="direct_transmission") == [
        "DRCI Central Authority",
        "Bureau de l'entraide pénale",
    ]
    assert await get(stale=True) == [
        "Bureau de l'entraide pénale",
        "Ministero della Giustizia",
        "Central Authority Unit",
    ]
    assert await get(stale=False) == ["DRCI Central Authority"]


async def test_text_search_is_ranked_with_snippets(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    data = await _seed(session)
    headers = data["reader"].headers  # type: ignore[attr-defined]
    response = await client.get(
        "/api/v1/authorities", params={"q": "central auth"}, headers=headers
    )
    names = _names(response)
    assert set(names) == {"DRCI Central Authority", "Central Authority Unit"}
    items = response.json()["items"]
    assert items[0]["rank"] >= items[1]["rank"] > 0
    assert "<mark>Central</mark>" in items[0]["snippet"]
    # Prefix match and matching on the state's name.
    assert _names(
        await client.get("/api/v1/authorities", params={"q": "nigeri"}, headers=headers)
    ) == ["Central Authority Unit"]
    # Body text (notes) is searchable too, and punctuation can't break the query.
    assert _names(
        await client.get(
            "/api/v1/authorities", params={"q": "extradition & !(France"}, headers=headers
        )
    ) == ["Bureau de l'entraide pénale"]
    assert (
        _names(await client.get("/api/v1/authorities", params={"q": "&&&"}, headers=headers)) == []
    )
    # Accented words and filters combine with the text query.
    assert (
        _names(
            await client.get(
                "/api/v1/authorities", params={"q": "pénale", "state": "ITA"}, headers=headers
            )
        )
        == []
    )


async def test_snippets_escape_stored_html(client: httpx.AsyncClient, session: AsyncSession):
    authority = await make_authority(session, name="<script>alert(1)</script> Evil Office")
    reader = await make_member(session)
    await session.commit()
    response = await client.get("/api/v1/authorities", params={"q": "evil"}, headers=reader.headers)
    snippet = response.json()["items"][0]["snippet"]
    assert "<script" not in snippet  # PostgreSQL's parser drops tags from headlines
    assert "<mark>Evil</mark>" in snippet
    other = await make_authority(session, name="Evil & <Office of 5 < 6")
    await session.commit()
    response = await client.get(
        "/api/v1/authorities", params={"q": "office 6"}, headers=reader.headers
    )
    [item] = response.json()["items"]
    assert item["id"] == str(other.id)
    assert "&amp;" in item["snippet"] and "&lt;" in item["snippet"]
    assert item["snippet"].replace("<mark>", "").replace("</mark>", "").count("<") == 0
    assert authority.id


async def test_pagination_is_stable(client: httpx.AsyncClient, session: AsyncSession) -> None:
    for i in range(7):
        await make_authority(session, state_code="FRA", name=f"Office {i} central")
    reader = await make_member(session)
    await session.commit()
    for params in ({}, {"q": "central office"}):
        seen: list[str] = []
        cursor = None
        while True:
            query = {**params, "limit": 3, **({"cursor": cursor} if cursor else {})}
            page = await client.get("/api/v1/authorities", params=query, headers=reader.headers)
            assert page.status_code == 200
            seen += [item["id"] for item in page.json()["items"]]
            cursor = page.json()["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == 7 and len(set(seen)) == 7
    bad = await client.get("/api/v1/authorities", params={"cursor": "!!"}, headers=reader.headers)
    assert bad.status_code == 400


async def test_flagged_filter_and_counts(client: httpx.AsyncClient, session: AsyncSession):
    data = await _seed(session)
    session.add(ContactFailureReport(authority_id=data["ita"].id, channel="email"))  # type: ignore[attr-defined]
    await session.commit()
    headers = data["reader"].headers  # type: ignore[attr-defined]
    response = await client.get("/api/v1/authorities", params={"flagged": True}, headers=headers)
    assert _names(response) == ["Ministero della Giustizia"]
    assert response.json()["items"][0]["open_failure_reports"] == 1


async def test_readers_only(client: httpx.AsyncClient, session: AsyncSession) -> None:
    auditor = await make_member(session, roles=["auditor"])
    expired = await make_member(session, vetting_expires_at=datetime.now(UTC) - timedelta(days=1))
    await session.commit()
    assert (await client.get("/api/v1/authorities")).status_code == 401
    assert (await client.get("/api/v1/authorities", headers=auditor.headers)).status_code == 403
    assert (await client.get("/api/v1/authorities", headers=expired.headers)).status_code == 403
    assert (await client.get("/api/v1/states", headers=auditor.headers)).status_code == 403


async def test_states_with_regions(client: httpx.AsyncClient, session: AsyncSession) -> None:
    reader = await make_member(session)
    await session.commit()
    response = await client.get("/api/v1/states", headers=reader.headers)
    assert response.status_code == 200
    states = {s["code"]: s for s in response.json()}
    assert len(states) == 249
    assert states["FRA"]["region"] == "Europe" and states["FRA"]["subregion"] == "Western Europe"
    assert states["NGA"]["intermediate_region"] == "Western Africa"
    assert states["THA"]["region"] == "Asia"
    assert states["HMD"]["region"] == "Oceania"
    assert states["ATA"]["region"] is None  # M49 gives Antarctica no region
    assert sum(1 for s in states.values() if s["region"] is None) == 1
    europe = await client.get("/api/v1/states", params={"region": "Europe"}, headers=reader.headers)
    assert {s["region"] for s in europe.json()} == {"Europe"} and len(europe.json()) > 40


async def test_non_ascii_words_match_whatever_their_case(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    authority = await make_authority(session, state_code="DEU", name="Bundesamt für Justiz")
    authority.notes = "Überstellung verurteilter Personen"
    session.add(authority)
    reader = await make_member(session)
    await session.commit()
    for q in ("Überstellung", "überst", "FÜR justiz"):
        response = await client.get("/api/v1/authorities", params={"q": q}, headers=reader.headers)
        assert _names(response) == ["Bundesamt für Justiz"], q
