"""A refused transition names the case's status beside, never instead of, the HTTP status."""

from __future__ import annotations

import httpx

from tests.cases.conftest import Network, act, submitted_case


async def test_refused_transition_keeps_http_status_and_names_case_status(
    client: httpx.AsyncClient, net: Network
) -> None:
    case = await submitted_case(client, net)
    # The requested side's first look turns `submitted` into `received`.
    assert (await client.get(f"/api/v1/cases/{case['id']}", headers=net.it.headers)).is_success

    response = await act(client, net.it, case["id"], "execute")

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 409
    assert body["type"] == "urn:canet:problem:transition-not-allowed"
    assert body["case_status"] == "received"
    assert body["allowed_from"]
