"""A good-practice note kept to regions keeps them across edits that do not name its States
(the States themselves are not stored), and follows new States when they are named."""

from __future__ import annotations

import httpx

from tests.cases.conftest import Network
from tests.catalogue.conftest import API, nominate


async def test_a_note_kept_to_regions_keeps_them_when_edited(
    client: httpx.AsyncClient, net: Network
) -> None:
    note = await nominate(
        client,
        net.br,
        None,
        cooperation_type="mla",
        requesting_state="BRA",
        requested_state="ITA",
        disclosure="regions",
    )
    assert note["requesting_state"] is None and note["requested_state"] is None
    assert (note["requesting_region"], note["requested_region"]) == ("Americas", "Europe")
    url = f"{API}/catalogue/entries/{note['id']}"

    edited = await client.patch(url, json={"lessons": "Call first."}, headers=net.br.headers)
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert (body["requesting_region"], body["requested_region"]) == ("Americas", "Europe")
    assert body["requesting_state"] is None and body["requested_state"] is None

    # Named again, the States set the regions anew (and are still not kept).
    moved = await client.patch(
        url, json={"requesting_state": "ITA", "requested_state": "BRA"}, headers=net.br.headers
    )
    assert (moved.json()["requesting_region"], moved.json()["requested_region"]) == (
        "Europe",
        "Americas",
    )
    # Shown by States from now on: the States must be named again (they were not kept).
    shown = await client.patch(
        url,
        json={"disclosure": "states", "requesting_state": "BRA", "requested_state": "ITA"},
        headers=net.br.headers,
    )
    assert (shown.json()["requesting_state"], shown.json()["requested_state"]) == ("BRA", "ITA")
    # Cleared explicitly, a State's region goes with it.
    cleared = await client.patch(url, json={"requesting_state": None}, headers=net.br.headers)
    assert cleared.json()["requesting_state"] is None
    assert cleared.json()["requesting_region"] is None
    assert cleared.json()["requested_region"] == "Europe"
