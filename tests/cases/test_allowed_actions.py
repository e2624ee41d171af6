"""The case read's allowed_actions say exactly what the transitions endpoint accepts: every
action listed is accepted, every other one is refused (403 or 409), for each side, from each
status; a refusal is listed only once the requested side has consulted."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.cases.constants import CASE_STATUSES
from app.cases.lifecycle import RULES
from app.models.cases import Case
from tests.cases.conftest import Network, act, create_case, submitted_case
from tests.factories import Member


def _fields(action: str) -> dict[str, str]:
    later = (date.today() + timedelta(days=10)).isoformat()
    if action in ("report_delay", "postpone"):
        return {"new_deadline": later, "note": "reason"}
    if action == "refuse":
        return {"ground": "ne_bis_in_idem", "note": "already tried"}
    return {}


async def _set(session: AsyncSession, case_id: str, **values: Any) -> None:
    await session.execute(update(Case).where(Case.id == case_id).values(**values))
    await session.commit()


async def _read(client: httpx.AsyncClient, member: Member, case_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/cases/{case_id}", headers=member.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _walk(
    client: httpx.AsyncClient, session: AsyncSession, member: Member, case_id: str
) -> int:
    """From each status: what the read lists is accepted, nothing else is. How many listed."""
    listed_total = 0
    for status in CASE_STATUSES:
        await _set(session, case_id, status=status)
        case = await _read(client, member, case_id)
        # The requested side's first look at a submitted case is the receipt: the read then
        # answers for `received`, and the writes below start from there too.
        status_now = case["status"]
        listed = case["allowed_actions"]
        assert set(listed) <= set(RULES), listed
        listed_total += len(listed)
        for action in RULES:
            await _set(session, case_id, status=status_now)
            response = await act(client, member, case_id, action, **_fields(action))
            if action in listed:
                assert response.status_code == 200, (status_now, action, response.text)
            else:
                assert response.status_code in (403, 409), (status_now, action, response.text)
    return listed_total


async def test_every_action_listed_is_accepted_and_no_other(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    case = await submitted_case(client, net)
    cid = case["id"]
    # The draft is shared, so the requested side sees the case from every status.
    await _set(session, cid, shared_for_consultation=True, consultation_at=datetime.now(UTC))
    assert await _walk(client, session, net.fr, cid) > 0
    assert await _walk(client, session, net.it, cid) > 0


async def test_an_observer_is_offered_nothing_and_refused_everything(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    case = await submitted_case(client, net)
    cid = case["id"]
    expires = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    invited = await client.post(
        f"/api/v1/cases/{cid}/participants",
        json={"handle": net.liaison.user.handle, "expires_at": expires},
        headers=net.fr.headers,
    )
    assert invited.status_code == 201, invited.text
    assert invited.json()["handle"] == net.liaison.user.handle
    read = await _read(client, net.liaison, cid)
    assert read["allowed_actions"] == []
    assert read["may_manage_participants"] is False
    for action in RULES:
        response = await act(client, net.liaison, cid, action, **_fields(action))
        assert response.status_code == 403, (action, response.text)


async def test_refusal_is_listed_only_after_the_requested_side_consulted(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    case = await submitted_case(client, net)
    cid = case["id"]
    for status in sorted(RULES["refuse"].sources):
        await _set(session, cid, status=status)
        read = await _read(client, net.it, cid)
        assert "refuse" not in read["allowed_actions"], status
        assert "report_delay" in read["allowed_actions"], status
        refused = await act(client, net.it, cid, "refuse", **_fields("refuse"))
        assert refused.status_code == 409, (status, refused.text)
        assert refused.json()["type"] == "urn:canet:problem:consultation-required"
    await _set(session, cid, status="acknowledged")
    # The requesting side's consultation does not open the refusal; the requested side's does.
    url = f"/api/v1/cases/{cid}/messages"
    asked = {"body": "Can we talk?", "kind": "consultation"}
    assert (await client.post(url, json=asked, headers=net.fr.headers)).status_code == 201
    assert "refuse" not in (await _read(client, net.it, cid))["allowed_actions"]
    assert (await client.post(url, json=asked, headers=net.it.headers)).status_code == 201
    assert "refuse" in (await _read(client, net.it, cid))["allowed_actions"]
    assert "refuse" not in (await _read(client, net.fr, cid))["allowed_actions"]
    refused = await act(client, net.it, cid, "refuse", **_fields("refuse"))
    assert refused.status_code == 200, refused.text
    assert refused.json()["allowed_actions"] == []  # closing is the requesting side's


async def test_who_may_manage_participants_is_in_the_read(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    case = await create_case(client, net.fr, net.ita)
    assert case["may_manage_participants"] is True  # the creator is assigned
    cid = case["id"]
    assert (await _read(client, net.fr2, cid))["may_manage_participants"] is False
    assert (await _read(client, net.fr_focal, cid))["may_manage_participants"] is True
    refused = await client.post(
        f"/api/v1/cases/{cid}/participants",
        json={"handle": net.liaison.user.handle, "expires_at": "2999-01-01T00:00:00Z"},
        headers=net.fr2.headers,
    )
    assert refused.status_code == 403
    unknown = await client.post(
        f"/api/v1/cases/{cid}/participants",
        json={"handle": "no.such.member", "expires_at": "2999-01-01T00:00:00Z"},
        headers=net.fr.headers,
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "handle"
    both = await client.post(
        f"/api/v1/cases/{cid}/participants",
        json={"handle": net.liaison.user.handle, "user_id": str(net.liaison.id)},
        headers=net.fr.headers,
    )
    assert both.status_code == 422
