"""Full MLA and extradition cases, from draft to closed, through the API."""

from __future__ import annotations

import re
from datetime import date, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.events import Event
from tests.cases.conftest import Network, act_ok, audit_rows, create_case


async def _events(session: AsyncSession, case_id: str) -> list[Event]:
    rows = await session.execute(
        select(Event).where(Event.audience_kind == "case", Event.audience_id == case_id)
    )
    return list(rows.scalars().all())


async def test_full_mla_case(client: httpx.AsyncClient, session: AsyncSession, net: Network):
    case = await create_case(client, net.fr, net.ita)
    cid = case["id"]
    assert case["status"] == "draft"
    assert re.fullmatch(r"MLA-\d{4}-\d{6}", case["reference"])
    assert case["requesting_authority_id"] == str(net.fra.id)
    assert case["side"] == "requesting"
    assert "submit" in case["allowed_actions"]

    # A draft is invisible to the requested side until it is shared or submitted.
    assert (await client.get(f"/api/v1/cases/{cid}", headers=net.it.headers)).status_code == 404

    submitted = await act_ok(client, net.fr, cid, "submit", note="sent")
    assert submitted["status"] == "submitted"
    assert submitted["submitted_at"] is not None

    # The requested side's first look records `received`, by the system.
    seen = (await client.get(f"/api/v1/cases/{cid}", headers=net.it.headers)).json()
    assert seen["status"] == "received"
    assert seen["side"] == "requested"
    assert seen["received_at"] is not None
    assert (await audit_rows(session, "case.received", cid))[0].actor_user_id == net.it.id
    again = (await client.get(f"/api/v1/cases/{cid}", headers=net.it2.headers)).json()
    assert again["received_at"] == seen["received_at"]

    await act_ok(client, net.it, cid, "acknowledge", note="received in good order")
    await act_ok(client, net.it, cid, "start_execution")
    new_date = (date.today() + timedelta(days=90)).isoformat()
    delayed = await act_ok(
        client, net.it, cid, "report_delay", new_deadline=new_date, note="bank slow"
    )
    assert delayed["status"] == "in_execution"
    assert delayed["expected_date"] == new_date
    await act_ok(client, net.it, cid, "request_information", note="which accounts?")
    await act_ok(client, net.fr, cid, "provide_information", note="IBAN list attached")
    done = await act_ok(client, net.it, cid, "execute_partially", note="two of three accounts")
    assert done["status"] == "partially_executed"
    assert done["outcome"] == "partially_executed"
    closed = await act_ok(client, net.fr, cid, "close", note="thank you")
    assert closed["status"] == "closed"
    assert closed["allowed_actions"] == []
    assert closed["outcome"] == "partially_executed"

    timeline = (await client.get(f"/api/v1/cases/{cid}/timeline", headers=net.fr.headers)).json()
    statuses = [e["to_status"] for e in timeline if e["kind"] in ("transition", "receipt")]
    assert statuses == [
        "submitted",
        "received",
        "acknowledged",
        "in_execution",
        "information_requested",
        "in_execution",
        "partially_executed",
        "closed",
    ]
    receipts = [e for e in timeline if e["receipt"]]
    assert [e["to_status"] for e in receipts] == ["submitted", "received", "acknowledged"]
    assert all(e["actor_user_id"] and e["created_at"] for e in receipts)
    notice = next(e for e in timeline if e["kind"] == "deadline_notice")
    assert notice["data"]["new_deadline"] == new_date
    assert notice["note"] == "bank slow"

    detail = (await client.get(f"/api/v1/cases/{cid}", headers=net.fr.headers)).json()
    spent = [d["status"] for d in detail["time_in_status"]]
    assert spent[:3] == ["draft", "submitted", "received"]
    assert spent[-1] == "closed"
    assert all(d["seconds"] >= 0 for d in detail["time_in_status"])

    transitions = await audit_rows(session, "case.transitioned", cid)
    assert len(transitions) == 8
    assert {e.authority_ids[0] for e in transitions} <= {net.fra.id, net.ita.id}
    names = [e.name for e in await _events(session, cid)]
    assert names.count("case.created") == 1
    assert names.count("case.transitioned") == 9  # eight actions and the receipt
    assert all(set(e.data) <= {"case_id", "entry_id"} for e in await _events(session, cid))


async def test_full_extradition_case(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    case = await create_case(
        client,
        net.fr,
        net.ita,
        type="extradition",
        title="Surrender of J. Doe",
        measures=[],
        persons=[{"role": "person sought", "name": "John Doe", "nationality": "GBR"}],
        urgency="urgent",
        urgency_reason="person may flee",
        legal_basis={"kind": "untoc_art16"},
    )
    cid = case["id"]
    assert case["reference"].startswith("EXT-")
    await act_ok(client, net.fr, cid, "submit")
    # Acknowledging straight away also records the receipt.
    acknowledged = await act_ok(client, net.it, cid, "acknowledge")
    assert acknowledged["received_at"] is not None
    assert acknowledged["acknowledged_at"] is not None
    await act_ok(client, net.it, cid, "start_execution")
    resume = (date.today() + timedelta(days=30)).isoformat()
    postponed = await act_ok(
        client, net.it, cid, "postpone", new_deadline=resume, note="domestic trial first"
    )
    assert postponed["status"] == "postponed"
    assert postponed["expected_date"] == resume
    await act_ok(client, net.it, cid, "start_execution")
    executed = await act_ok(client, net.it, cid, "execute", note="surrendered at Fiumicino")
    assert executed["status"] == "executed"
    closed = await act_ok(client, net.fr, cid, "close")
    assert closed["status"] == "closed"
    assert closed["closed_at"] is not None

    timeline = (await client.get(f"/api/v1/cases/{cid}/timeline", headers=net.it.headers)).json()
    actions = [e["action"] for e in timeline if e["kind"] == "transition"]
    assert actions == [
        "submit",
        "acknowledge",
        "start_execution",
        "postpone",
        "start_execution",
        "execute",
        "close",
    ]
    assert await audit_rows(session, "case.timeline.viewed", cid)


async def test_withdrawal_by_requesting_side(client: httpx.AsyncClient, net: Network) -> None:
    case = await create_case(client, net.fr, net.ita)
    await act_ok(client, net.fr, case["id"], "submit")
    withdrawn = await act_ok(client, net.fr, case["id"], "withdraw", note="settled")
    assert withdrawn["status"] == "withdrawn"
    assert (await act_ok(client, net.fr, case["id"], "close"))["status"] == "closed"


async def test_references_are_unique_under_concurrency(
    client: httpx.AsyncClient, net: Network
) -> None:
    import asyncio

    from tests.cases.conftest import case_payload

    responses = await asyncio.gather(
        *[
            client.post("/api/v1/cases", json=case_payload(net.ita), headers=net.fr.headers)
            for _ in range(8)
        ]
    )
    references = [r.json()["reference"] for r in responses]
    assert all(r.status_code == 201 for r in responses)
    numbers = sorted(int(ref.rsplit("-", 1)[1]) for ref in references)
    assert numbers == list(range(numbers[0], numbers[0] + 8))


async def test_idempotent_case_creation(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    from tests.cases.conftest import case_payload

    headers = {**net.fr.headers, "Idempotency-Key": "create-42"}
    first = await client.post("/api/v1/cases", json=case_payload(net.ita), headers=headers)
    second = await client.post("/api/v1/cases", json=case_payload(net.ita), headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert len(await audit_rows(session, "case.created")) == 1
    listed = (await client.get("/api/v1/cases", headers=net.fr.headers)).json()["items"]
    assert len(listed) == 1


async def test_edit_draft_and_references(client: httpx.AsyncClient, net: Network) -> None:
    case = await create_case(client, net.fr, net.ita)
    cid = case["id"]
    url = f"/api/v1/cases/{cid}"
    edited = await client.patch(url, json={"title": "New title"}, headers=net.fr.headers)
    assert edited.status_code == 200
    assert edited.json()["title"] == "New title"
    await act_ok(client, net.fr, cid, "submit")
    late = await client.patch(url, json={"title": "Too late"}, headers=net.fr.headers)
    assert late.status_code == 409
    own_ref = await client.patch(
        url, json={"requesting_reference": "PNF-2026-1"}, headers=net.fr.headers
    )
    assert own_ref.status_code == 200
    theirs = await client.patch(
        url, json={"requested_reference": "MI-77/2026"}, headers=net.it.headers
    )
    assert theirs.status_code == 200
    assert theirs.json()["requested_reference"] == "MI-77/2026"
    assert theirs.json()["requesting_reference"] == "PNF-2026-1"
    wrong = await client.patch(url, json={"title": "x"}, headers=net.it.headers)
    assert wrong.status_code == 403
