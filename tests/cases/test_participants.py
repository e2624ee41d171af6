"""Observers invited for a limited time; assignments; who may manage them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.cases import service as cases_service
from app.models.cases import CaseParticipant
from tests.cases.conftest import Network, act, audit_rows, submitted_case


def _in(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


async def test_observer_invitation_and_expiry(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    case = await submitted_case(client, net)
    cid = case["id"]
    url = f"/api/v1/cases/{cid}"
    assert (await client.get(url, headers=net.liaison.headers)).status_code == 404

    # A plain officer who is not assigned may not invite; the creator (assigned) may.
    refused = await client.post(
        f"{url}/participants",
        json={"user_id": str(net.liaison.id), "expires_at": _in(7)},
        headers=net.fr2.headers,
    )
    assert refused.status_code == 403
    no_end = await client.post(
        f"{url}/participants", json={"user_id": str(net.liaison.id)}, headers=net.fr.headers
    )
    assert no_end.status_code == 422
    too_long = await client.post(
        f"{url}/participants",
        json={"user_id": str(net.liaison.id), "expires_at": _in(400)},
        headers=net.fr.headers,
    )
    assert too_long.status_code == 422
    admin_as_observer = await client.post(
        f"{url}/participants",
        json={"user_id": str(net.admin.id), "expires_at": _in(7)},
        headers=net.fr.headers,
    )
    assert admin_as_observer.status_code == 422
    invited = await client.post(
        f"{url}/participants",
        json={"user_id": str(net.liaison.id), "expires_at": _in(7), "note": "liaison in Rome"},
        headers=net.fr.headers,
    )
    assert invited.status_code == 201, invited.text
    assert invited.json()["active"] is True
    again = await client.post(
        f"{url}/participants",
        json={"user_id": str(net.liaison.id), "expires_at": _in(7)},
        headers=net.it_focal.headers,
    )
    assert again.status_code == 409

    seen = await client.get(url, headers=net.liaison.headers)
    assert seen.status_code == 200
    assert seen.json()["side"] == "observer"
    assert seen.json()["allowed_actions"] == []
    assert seen.json()["status"] == "submitted"  # an observer's look is not the receipt
    note = await client.post(
        f"{url}/messages", json={"body": "I can help in Rome."}, headers=net.liaison.headers
    )
    assert note.status_code == 201
    assert note.json()["side"] == "observer"
    consult = await client.post(
        f"{url}/messages",
        json={"body": "x", "kind": "consultation"},
        headers=net.liaison.headers,
    )
    assert consult.status_code == 403
    assert (await act(client, net.liaison, cid, "acknowledge")).status_code == 403
    listed = await client.get("/api/v1/cases", headers=net.liaison.headers)
    assert [c["id"] for c in listed.json()["items"]] == [cid]
    assert await cases_service.is_participant(session, net.liaison.id, cid)  # type: ignore[arg-type]

    # The invitation lapses: the case is gone for them, and the timeline shows the end.
    await session.execute(
        update(CaseParticipant)
        .where(CaseParticipant.user_id == net.liaison.id)
        .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    )
    await session.commit()
    assert (await client.get(url, headers=net.liaison.headers)).status_code == 404
    assert (await client.get("/api/v1/cases", headers=net.liaison.headers)).json()["items"] == []
    assert not await cases_service.is_participant(session, net.liaison.id, cid)  # type: ignore[arg-type]
    timeline = (await client.get(f"{url}/timeline", headers=net.fr.headers)).json()
    kinds = [e["kind"] for e in timeline]
    assert "participant_invited" in kinds
    ended = next(e for e in timeline if e["kind"] == "participant_expired")
    assert ended["data"]["user_id"] == str(net.liaison.id)
    assert await audit_rows(session, "case.participant.invited", cid)


async def test_focal_point_removes_an_observer(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    case = await submitted_case(client, net)
    url = f"/api/v1/cases/{case['id']}"
    invited = await client.post(
        f"{url}/participants",
        json={"user_id": str(net.br.id), "expires_at": _in(3)},
        headers=net.it_focal.headers,
    )
    assert invited.status_code == 201
    assert (await client.get(url, headers=net.br.headers)).status_code == 200
    refused = await client.delete(f"{url}/participants/{net.br.id}", headers=net.it2.headers)
    assert refused.status_code == 403
    removed = await client.delete(f"{url}/participants/{net.br.id}", headers=net.fr_focal.headers)
    assert removed.status_code == 204
    assert (await client.get(url, headers=net.br.headers)).status_code == 404
    gone = await client.delete(f"{url}/participants/{net.br.id}", headers=net.fr_focal.headers)
    assert gone.status_code == 404
    people = (await client.get(f"{url}/participants", headers=net.fr.headers)).json()
    observer = next(p for p in people if p["user_id"] == str(net.br.id))
    assert observer["active"] is False and observer["revoked_at"]
    timeline = (await client.get(f"{url}/timeline", headers=net.fr.headers)).json()
    assert timeline[-1]["kind"] == "participant_removed"
    assert await audit_rows(session, "case.participant.removed", case["id"])


async def test_assignment_is_for_officers_of_ones_own_side(
    client: httpx.AsyncClient, net: Network
) -> None:
    case = await submitted_case(client, net)
    url = f"/api/v1/cases/{case['id']}/participants"
    other_side = await client.post(
        url, json={"user_id": str(net.it.id), "role": "assigned"}, headers=net.fr_focal.headers
    )
    assert other_side.status_code == 422
    colleague_as_observer = await client.post(
        url, json={"user_id": str(net.it.id), "expires_at": _in(2)}, headers=net.it_focal.headers
    )
    assert colleague_as_observer.status_code == 422
    own = await client.post(
        url, json={"user_id": str(net.it.id), "role": "assigned"}, headers=net.it_focal.headers
    )
    assert own.status_code == 201
    assert own.json()["role"] == "assigned"
