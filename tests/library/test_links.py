"""The directory's authority page, requirement sheets and finder link to the laws and treaties
that apply, and those links answer with the right documents."""

from __future__ import annotations

from typing import Any

import httpx

from tests.library.conftest import API, World, create, law


def _titles(answer: dict[str, Any]) -> dict[str, list[str]]:
    return {item["title"]: item["reasons"] for item in answer["items"]}


async def _follow(client: httpx.AsyncClient, url: str, world: World) -> dict[str, Any]:
    assert url.startswith(API + "/library/")
    response = await client.get(url, headers=world.officer.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def _library(client: httpx.AsyncClient, world: World) -> dict[str, dict[str, Any]]:
    """French and Italian laws, the treaties between them, one of two other States."""
    docs = {
        "fra_linked": await create(
            client,
            world.fra_focal,
            law(
                title="Code de procédure pénale",
                authority_ids=[str(world.fra.id)],
                sheet_ids=[str(world.fra_sheet.id)],
            ),
        ),
        "fra_plain": await create(client, world.fra_focal, law(title="Loi sur la presse")),
        "ita_linked": await create(
            client,
            world.ita_focal,
            law(
                title="Codice di procedura penale",
                state_code="ITA",
                language="it",
                sheet_ids=[str(world.ita_sheet.id)],
            ),
        ),
        "ita_plain": await create(
            client, world.ita_focal, law(title="Legge antimafia", state_code="ITA", language="it")
        ),
        "fra_ita": await create(
            client,
            world.fra_focal,
            {
                "kind": "bilateral_treaty",
                "title": "Convention franco-italienne",
                "language": "fr",
                "treaty_ids": [str(world.fra_ita.id)],
            },
        ),
        "deu_esp": await create(
            client,
            world.admin,
            {
                "kind": "bilateral_treaty",
                "title": "Deutsch-spanischer Vertrag",
                "language": "de",
                "treaty_ids": [str(world.deu_esp.id)],
            },
        ),
        "palermo": await create(
            client,
            world.admin,
            {
                "kind": "multilateral_treaty",
                "title": "UNTOC",
                "language": "en",
                "treaty_ids": [str(world.convention.id)],
            },
        ),
        "model": await create(
            client, world.admin, {"kind": "model_law", "title": "Model law", "language": "en"}
        ),
    }
    return docs


async def test_the_authority_page_links_to_its_laws(
    client: httpx.AsyncClient, world: World
) -> None:
    await _library(client, world)
    page = await client.get(f"{API}/authorities/{world.fra.id}", headers=world.officer.headers)
    assert page.status_code == 200, page.text
    answer = await _follow(client, page.json()["library_url"], world)
    # The law linked to the authority first, then the other laws of its State; nothing else.
    assert list(_titles(answer).items()) == [
        ("Code de procédure pénale", ["authority", "national_law"]),
        ("Loi sur la presse", ["national_law"]),
    ]
    assert answer["browse_url"] == f"{API}/library/documents?state=FRA"
    browse = await _follow(client, answer["browse_url"], world)
    assert {d["title"] for d in browse["items"]} == {
        "Code de procédure pénale",
        "Loi sur la presse",
        "Convention franco-italienne",
        "UNTOC",
    }


async def test_requirement_sheets_link_to_the_laws_they_rest_on(
    client: httpx.AsyncClient, world: World
) -> None:
    await _library(client, world)
    sheet = await client.get(f"{API}/states/ITA/requirements/mla", headers=world.officer.headers)
    assert sheet.status_code == 200, sheet.text
    answer = await _follow(client, sheet.json()["library_url"], world)
    assert list(_titles(answer).items()) == [
        ("Codice di procedura penale", ["sheet", "national_law"]),
        ("Legge antimafia", ["national_law"]),
    ]
    listed = await client.get(f"{API}/states/FRA/requirements", headers=world.officer.headers)
    [fra_sheet] = listed.json()["items"]
    answer = await _follow(client, fra_sheet["library_url"], world)
    assert _titles(answer)["Code de procédure pénale"] == ["sheet", "national_law"]


async def test_the_finder_links_to_what_applies_to_the_request(
    client: httpx.AsyncClient, world: World
) -> None:
    await _library(client, world)
    found = await client.get(
        f"{API}/finder",
        params={"requesting_state": "FRA", "requested_state": "ITA", "request_type": "mla"},
        headers=world.officer.headers,
    )
    assert found.status_code == 200, found.text
    url = found.json()["library_url"]
    assert url == (
        f"{API}/library/applicable?requesting_state=FRA&requested_state=ITA&request_type=mla"
    )
    answer = await _follow(client, url, world)
    # The requested State's sheet's law, the treaties linking the two States, the requested
    # State's other laws; not the requesting State's laws, nor other States' treaties.
    assert list(_titles(answer).items()) == [
        ("Codice di procedura penale", ["sheet", "national_law"]),
        ("Convention franco-italienne", ["treaty"]),
        ("UNTOC", ["treaty"]),
        ("Legge antimafia", ["national_law"]),
    ]
    # A treaty that lists its subjects applies only to those.
    extradition = await client.get(
        f"{API}/finder",
        params={
            "requesting_state": "FRA",
            "requested_state": "ITA",
            "request_type": "extradition",
            "measure": "other",
        },
        headers=world.officer.headers,
    )
    answer = await _follow(client, extradition.json()["library_url"], world)
    assert "Convention franco-italienne" not in _titles(answer)
    assert _titles(answer)["UNTOC"] == ["treaty"]


async def test_the_applicable_view_checks_what_it_is_asked(
    client: httpx.AsyncClient, world: World
) -> None:
    url = f"{API}/library/applicable"
    headers = world.officer.headers
    missing = "6f1c2c8e-2b6e-4a53-9a59-0d3f4c3e1a11"
    assert (await client.get(url, headers=headers)).status_code == 422
    both = {"authority_id": str(world.fra.id), "sheet_id": str(world.fra_sheet.id)}
    assert (await client.get(url, params=both, headers=headers)).status_code == 422
    partial = {"requested_state": "ITA", "request_type": "mla"}
    response = await client.get(url, params=partial, headers=headers)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == (
        "requesting_state"
    )
    unknown = {"requesting_state": "FRA", "requested_state": "XYZ", "request_type": "mla"}
    assert (await client.get(url, params=unknown, headers=headers)).status_code == 422
    for params in ({"authority_id": missing}, {"sheet_id": missing}):
        assert (await client.get(url, params=params, headers=headers)).status_code == 404
    empty = await client.get(url, params={"authority_id": str(world.ita.id)}, headers=headers)
    assert empty.status_code == 200 and empty.json()["items"] == []
    assert (await client.get(url, headers=world.auditor.headers)).status_code == 403


async def test_listing_by_link(client: httpx.AsyncClient, world: World) -> None:
    docs = await _library(client, world)
    url = f"{API}/library/documents"
    headers = world.officer.headers

    async def titles(**params: str) -> set[str]:
        response = await client.get(url, params=params, headers=headers)
        assert response.status_code == 200, response.text
        return {d["title"] for d in response.json()["items"]}

    assert await titles(authority_id=str(world.fra.id)) == {"Code de procédure pénale"}
    assert await titles(sheet_id=str(world.ita_sheet.id)) == {"Codice di procedura penale"}
    assert await titles(treaty_id=str(world.convention.id)) == {"UNTOC"}
    assert await titles(state="deu") == {"Deutsch-spanischer Vertrag", "UNTOC"}
    assert docs["model"]["title"] not in await titles(state="FRA")
