"""A small network for catalogue tests (the cases tests' one) and closed cases made quickly
through the API."""

from __future__ import annotations

from typing import Any

import httpx

from tests.cases.conftest import Network, act_ok, create_case
from tests.cases.conftest import net as cases_net

API = "/api/v1"
net = cases_net

PERSON = "Mario Rossi"


async def closed_case(
    client: httpx.AsyncClient, network: Network, **overrides: Any
) -> dict[str, Any]:
    """A case from FRA to ITA, executed and closed, about one person."""
    overrides.setdefault("persons", [{"role": "suspect", "name": PERSON}])
    case = await create_case(client, network.fr, network.ita, **overrides)
    case_id = case["id"]
    await act_ok(client, network.fr, case_id, "submit")
    await act_ok(client, network.it, case_id, "acknowledge")
    await act_ok(client, network.it, case_id, "start_execution")
    await act_ok(client, network.it, case_id, "execute")
    return await act_ok(client, network.fr, case_id, "close")


def entry_payload(case_id: str | None = None, **overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "title": "Bank records obtained within eight weeks",
        "summary": "Requests for banking information in a laundering investigation.",
        "crime_types": ["laundering_of_proceeds_of_crime"],
        "obstacles": "The first request lacked the link between the accounts and the offence.",
        "solutions": "A short call between the two central authorities before resubmitting.",
        "lessons": "State the link between each account and the facts in the request itself.",
        "disclosure": "states",
    }
    if case_id is not None:
        payload["case_id"] = case_id
    payload.update(overrides)
    return payload


async def nominate(
    client: httpx.AsyncClient, member: Any, case_id: str | None, **overrides: Any
) -> dict[str, Any]:
    response = await client.post(
        f"{API}/catalogue/entries", json=entry_payload(case_id, **overrides), headers=member.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def step(
    client: httpx.AsyncClient, member: Any, entry_id: str, action: str, note: str | None = None
) -> httpx.Response:
    body: dict[str, Any] = {"action": action}
    if note is not None:
        body["note"] = note
    return await client.post(
        f"{API}/catalogue/entries/{entry_id}/transitions", json=body, headers=member.headers
    )


async def step_ok(
    client: httpx.AsyncClient, member: Any, entry_id: str, action: str, note: str | None = None
) -> dict[str, Any]:
    response = await step(client, member, entry_id, action, note)
    assert response.status_code == 200, response.text
    return response.json()
