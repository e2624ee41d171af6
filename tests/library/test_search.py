"""Search and filters: full text over title, summary and tags (`simple` configuration, last
word a prefix), by State, kind, language and tag, paged with a cursor."""

from __future__ import annotations

from typing import Any

import httpx

from tests.library.conftest import API, World, create, law


async def _titles(client: httpx.AsyncClient, world: World, **params: str) -> list[str]:
    response = await client.get(
        f"{API}/library/documents", params=params, headers=world.officer.headers
    )
    assert response.status_code == 200, response.text
    return [d["title"] for d in response.json()["items"]]


async def test_search_and_filters(client: httpx.AsyncClient, world: World) -> None:
    await create(
        client,
        world.fra_focal,
        law(title="Code de procédure pénale", summary="Entraide et extradition.", tags=["mla"]),
    )
    await create(
        client,
        world.fra_focal,
        law(
            title="Loi relative au gel des avoirs",
            language="en",
            summary="Freezing orders and confiscation of criminal assets.",
            tags=["confiscation"],
        ),
    )
    await create(
        client,
        world.ita_focal,
        law(
            title="Codice di procedura penale",
            state_code="ITA",
            language="it",
            summary="Rogatorie internazionali.",
            tags=["mla", "rogatorie"],
        ),
    )
    await create(
        client,
        world.admin,
        {
            "kind": "manual",
            "title": "Manual on extradition",
            "language": "en",
            "summary": "Practical guidance for central authorities.",
            "tags": ["training"],
        },
    )
    # Newest first without a query.
    assert await _titles(client, world) == [
        "Manual on extradition",
        "Codice di procedura penale",
        "Loi relative au gel des avoirs",
        "Code de procédure pénale",
    ]
    assert await _titles(client, world, state="ITA") == ["Codice di procedura penale"]
    assert await _titles(client, world, kind="manual") == ["Manual on extradition"]
    assert await _titles(client, world, language="EN") == [
        "Manual on extradition",
        "Loi relative au gel des avoirs",
    ]
    assert await _titles(client, world, tag="MLA") == [
        "Codice di procedura penale",
        "Code de procédure pénale",
    ]
    assert await _titles(client, world, tag="mla", state="FRA") == ["Code de procédure pénale"]
    # Text: the title weighs more than the summary; the last word is a prefix.
    assert await _titles(client, world, q="extradition") == [
        "Manual on extradition",
        "Code de procédure pénale",
    ]
    assert await _titles(client, world, q="confisc") == ["Loi relative au gel des avoirs"]
    assert await _titles(client, world, q="rogatorie") == ["Codice di procedura penale"]
    assert await _titles(client, world, q="procedura", state="FRA") == []
    assert await _titles(client, world, q="!!!") == []
    assert await _titles(client, world, q="guidance", kind="manual", language="en") == [
        "Manual on extradition"
    ]
    # The text is searched as edited.
    [manual] = (
        await client.get(
            f"{API}/library/documents", params={"kind": "manual"}, headers=world.admin.headers
        )
    ).json()["items"]
    edited = await client.patch(
        f"{API}/library/documents/{manual['id']}",
        json={"summary": "Surrender procedures step by step."},
        headers=world.admin.headers,
    )
    assert edited.status_code == 200, edited.text
    assert await _titles(client, world, q="guidance") == []
    assert await _titles(client, world, q="surrender") == ["Manual on extradition"]
    bad = await client.get(
        f"{API}/library/documents", params={"kind": "novel"}, headers=world.officer.headers
    )
    assert bad.status_code == 422


async def _walk(client: httpx.AsyncClient, world: World, **params: Any) -> list[str]:
    ids: list[str] = []
    cursor = None
    for _ in range(20):
        query = {**params, "limit": 2, **({"cursor": cursor} if cursor else {})}
        response = await client.get(
            f"{API}/library/documents", params=query, headers=world.officer.headers
        )
        assert response.status_code == 200, response.text
        ids += [d["id"] for d in response.json()["items"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return ids
    raise AssertionError("never ended")


async def test_cursor_pages_walk_every_document_once(
    client: httpx.AsyncClient, world: World
) -> None:
    made = [
        await create(client, world.fra_focal, law(title=f"Décret {n} sur l'entraide"))
        for n in range(5)
    ]
    walked = await _walk(client, world)
    assert walked == [d["id"] for d in reversed(made)]
    by_text = await _walk(client, world, q="entraide")
    assert sorted(by_text) == sorted(d["id"] for d in made)
    revisions = await client.get(
        f"{API}/library/documents/{made[0]['id']}/revisions",
        params={"limit": 1},
        headers=world.officer.headers,
    )
    assert len(revisions.json()["items"]) == 1 and revisions.json()["next_cursor"] is None
