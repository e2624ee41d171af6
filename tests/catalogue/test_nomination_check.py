"""Asking beforehand whether a case may be nominated: the nomination's own rules, the reason
when not, and the case's entry named only to those who work on it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.cases.conftest import Network, act_ok, audit_rows, create_case
from tests.catalogue.conftest import API, closed_case, nominate, step_ok


def _in(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


async def _check(client: httpx.AsyncClient, member: object, case_id: str) -> httpx.Response:
    return await client.get(f"{API}/catalogue/nominations/{case_id}", headers=member.headers)  # type: ignore[attr-defined]


async def test_the_check_follows_the_nomination_rules(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    open_case = await create_case(client, net.fr, net.ita)
    await act_ok(client, net.fr, open_case["id"], "submit")
    not_closed = (await _check(client, net.fr, open_case["id"])).json()
    assert not_closed == {"may_nominate": False, "reason": "case-not-closed", "entry_id": None}

    case = await closed_case(client, net)
    for officer in (net.fr, net.it2):
        answer = (await _check(client, officer, case["id"])).json()
        assert answer == {"may_nominate": True, "reason": None, "entry_id": None}
    # Who may not see the case gets the case's 404, as the nomination does.
    for outsider in (net.br, net.moderator, net.admin):
        response = await _check(client, outsider, case["id"])
        assert response.status_code == 404, outsider
        assert case["reference"] not in response.text
    # The check reads the case's outline: audited as a view of the case.
    assert await audit_rows(session, "case.viewed", case["id"])

    entry = await nominate(client, net.fr, case["id"])
    # The author and the focal points of both sides are told which entry; the other
    # officers only that the case is nominated.
    mine = (await _check(client, net.fr, case["id"])).json()
    assert mine == {"may_nominate": False, "reason": "already-nominated", "entry_id": entry["id"]}
    other = (await _check(client, net.it2, case["id"])).json()
    assert other == {"may_nominate": False, "reason": "already-nominated", "entry_id": None}
    # A draft is its author's alone, even to the focal points.
    draft = (await _check(client, net.it_focal, case["id"])).json()
    assert draft["entry_id"] is None
    await step_ok(client, net.fr, entry["id"], "submit")
    for focal in (net.it_focal, net.fr_focal):
        submitted = (await _check(client, focal, case["id"])).json()
        assert submitted["entry_id"] == entry["id"], focal
    # The POST agrees with the check.
    twice = await client.post(
        f"{API}/catalogue/entries",
        json={"case_id": case["id"], "title": "Again", "crime_types": ["other"]},
        headers=net.it2.headers,
    )
    assert twice.status_code == 409
    assert twice.json()["type"] == "urn:canet:problem:already-nominated"

    # Withdrawn, the case is free again.
    await step_ok(client, net.fr_focal, entry["id"], "withdraw_consent")
    free = (await _check(client, net.it2, case["id"])).json()
    assert free == {"may_nominate": True, "reason": None, "entry_id": None}


async def test_an_observer_of_the_case_may_not_nominate_it(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    case = await create_case(client, net.fr, net.ita)
    cid = case["id"]
    invited = await client.post(
        f"/api/v1/cases/{cid}/participants",
        json={"user_id": str(net.liaison.id), "expires_at": _in(7)},
        headers=net.fr.headers,
    )
    assert invited.status_code == 201, invited.text
    await act_ok(client, net.fr, cid, "submit")
    await act_ok(client, net.it, cid, "acknowledge")
    await act_ok(client, net.it, cid, "start_execution")
    await act_ok(client, net.it, cid, "execute")
    await act_ok(client, net.fr, cid, "close")
    answer = (await _check(client, net.liaison, cid)).json()
    assert answer == {
        "may_nominate": False,
        "reason": "not-an-officer-of-the-case",
        "entry_id": None,
    }
