"""A query parameter that takes one value, given twice, is refused (422); lists repeat freely.

Found by the fuzzer (tests/fuzz): `?region=Europe&region=true` was answered with the last
value, so what a proxy or filter in front judged (the first) was not what the service did.
"""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import make_authority, make_member

PROBLEM_JSON = "application/problem+json"


async def test_a_single_valued_parameter_given_twice_is_refused(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    authority = await make_authority(session)
    member = await make_member(session, authority=authority)
    await session.commit()

    once = await client.get("/api/v1/states", params={"region": "Europe"}, headers=member.headers)
    assert once.status_code == 200, once.text
    twice = await client.get("/api/v1/states?region=Europe&region=Asia", headers=member.headers)
    assert twice.status_code == 422
    assert twice.headers["content-type"] == PROBLEM_JSON
    problem = twice.json()
    assert problem["type"] == "urn:canet:problem:validation-failed"
    assert problem["errors"] == [{"field": "region", "message": "given more than once"}]
    # Also when one of the values is empty, and for several parameters at once.
    both = await client.get(
        "/api/v1/cases?box=incoming&box=&sort=newest&sort=oldest", headers=member.headers
    )
    assert both.status_code == 422
    assert {e["field"] for e in both.json()["errors"]} == {"box", "sort"}


async def test_list_parameters_still_repeat(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    authority = await make_authority(session, state_code="ITA")
    member = await make_member(session, authority=authority)
    await session.commit()

    found = await client.get(
        "/api/v1/authorities?state=FRA&state=ITA&limit=10", headers=member.headers
    )
    assert found.status_code == 200, found.text
    assert [a["id"] for a in found.json()["items"]] == [str(authority.id)]
    cases = await client.get(
        "/api/v1/cases?status=draft&status=submitted&type=mla&type=extradition",
        headers=member.headers,
    )
    assert cases.status_code == 200, cases.text
