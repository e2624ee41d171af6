"""Every forbidden transition: 409 from a wrong status, 403 for the wrong side."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.cases.constants import CASE_STATUSES
from app.cases.lifecycle import RULES, actions_for, check_transition
from app.core.errors import Conflict, Forbidden
from app.db import Database
from app.models.cases import Case, CaseDeadlineNotice
from tests.cases.conftest import Network, act, act_ok, audit_rows, create_case, submitted_case

ALL_ACTIONS = list(RULES)


def _fields(action: str) -> dict[str, str]:
    later = (date.today() + timedelta(days=10)).isoformat()
    if action in ("report_delay", "postpone"):
        return {"new_deadline": later, "note": "reason"}
    if action == "refuse":
        return {"ground": "ne_bis_in_idem", "note": "already tried"}
    return {}


@pytest.mark.parametrize("action", ALL_ACTIONS)
def test_rule_table_refuses_wrong_side_and_status(action: str) -> None:
    rule = RULES[action]
    other = "requested" if rule.side == "requesting" else "requesting"
    source = next(iter(rule.sources))
    with pytest.raises(Forbidden):
        check_transition(action, side=other, status=source)
    with pytest.raises(Forbidden):
        check_transition(action, side="observer", status=source)
    for status in CASE_STATUSES:
        if status in rule.sources:
            assert check_transition(action, side=rule.side, status=status) is rule
        else:
            with pytest.raises(Conflict):
                check_transition(action, side=rule.side, status=status)


def test_closed_case_allows_nothing() -> None:
    assert actions_for("requesting", "closed", consulted=True) == []
    assert actions_for("requested", "closed", consulted=True) == []


async def test_every_action_from_every_status_over_the_api(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    case = await submitted_case(client, net)
    cid = case["id"]
    # Consultation done, so refusals are judged on status alone here.
    await session.execute(
        update(Case).where(Case.id == cid).values(consultation_at=Case.created_at)
    )
    await session.commit()
    checked = 0
    for status in CASE_STATUSES:
        if status in ("draft", "submitted"):
            continue  # the requested side's look turns `submitted` into `received`
        for action in ALL_ACTIONS:
            rule = RULES[action]
            if status in rule.sources:
                continue
            await session.execute(update(Case).where(Case.id == cid).values(status=status))
            await session.commit()
            member = net.fr if rule.side == "requesting" else net.it
            response = await act(client, member, cid, action, **_fields(action))
            assert response.status_code == 409, (status, action, response.text)
            body = response.json()
            assert body["type"] == "urn:canet:problem:transition-not-allowed"
            assert body["allowed_from"]
            checked += 1
    assert checked > 60


async def test_draft_and_submitted_forbidden_actions(
    client: httpx.AsyncClient, net: Network
) -> None:
    case = await create_case(client, net.fr, net.ita)
    for action in ("provide_information", "close"):
        assert (await act(client, net.fr, case["id"], action)).status_code == 409
    # The requested side cannot even see a draft.
    assert (await act(client, net.it, case["id"], "acknowledge")).status_code == 404
    await act_ok(client, net.fr, case["id"], "submit")
    for action in ("submit", "provide_information", "close"):
        assert (await act(client, net.fr, case["id"], action)).status_code == 409


async def test_wrong_side_is_403_for_every_action(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    case = await submitted_case(client, net)
    for action, rule in RULES.items():
        wrong = net.it if rule.side == "requesting" else net.fr
        response = await act(client, wrong, case["id"], action, **_fields(action))
        assert response.status_code == 403, (action, response.text)
        assert response.json()["type"] == "urn:canet:problem:wrong-side"
    denied = await audit_rows(session, "case.access.denied", case["id"])
    assert len(denied) == len(RULES)
    assert all(e.outcome == "denied" for e in denied)


async def test_refusal_needs_a_consultation_from_the_requested_side(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    case = await submitted_case(client, net)
    cid = case["id"]
    await act_ok(client, net.it, cid, "acknowledge")
    no_ground = await act(client, net.it, cid, "refuse", note="no")
    assert no_ground.status_code == 422
    early = await act(client, net.it, cid, "refuse", ground="ne_bis_in_idem", note="tried")
    assert early.status_code == 409
    assert early.json()["type"] == "urn:canet:problem:consultation-required"
    # A consultation posted by the requesting side does not count.
    url = f"/api/v1/cases/{cid}/messages"
    from_requesting = await client.post(
        url, json={"body": "Can we talk?", "kind": "consultation"}, headers=net.fr.headers
    )
    assert from_requesting.status_code == 201
    assert (
        await act(client, net.it, cid, "refuse", ground="ne_bis_in_idem", note="tried")
    ).status_code == 409
    # An ordinary message from the requested side does not count either.
    await client.post(url, json={"body": "FYI"}, headers=net.it.headers)
    assert (
        await act(client, net.it, cid, "refuse", ground="ne_bis_in_idem", note="tried")
    ).status_code == 409
    consult = await client.post(
        url,
        json={"body": "We consider refusing under art. 18(21)(d).", "kind": "consultation"},
        headers=net.it.headers,
    )
    assert consult.status_code == 201
    assert consult.json()["kind"] == "consultation"
    other = await act(client, net.it, cid, "refuse", ground="other", note="  ")
    assert other.status_code == 422
    refused = await act_ok(client, net.it, cid, "refuse", ground="ne_bis_in_idem", note="tried")
    assert refused["status"] == "refused"
    assert refused["refusal_ground"] == "ne_bis_in_idem"
    entry = (await audit_rows(session, "case.transitioned", cid))[-1]
    assert entry.details is not None and entry.details["ground"] == "ne_bis_in_idem"


async def test_deadline_notices_and_overdue(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    case = await submitted_case(client, net)
    cid = case["id"]
    await act_ok(client, net.it, cid, "acknowledge")
    missing = await act(client, net.it, cid, "report_delay", note="slow")
    assert missing.status_code == 422
    past = (date.today() - timedelta(days=1)).isoformat()
    assert (
        await act(client, net.it, cid, "report_delay", new_deadline=past, note="x")
    ).status_code == 422
    no_reason = (date.today() + timedelta(days=5)).isoformat()
    assert (
        await act(client, net.it, cid, "report_delay", new_deadline=no_reason)
    ).status_code == 422
    assert (
        await act(client, net.fr, cid, "report_delay", new_deadline=no_reason, note="x")
    ).status_code == 403

    # Past its deadline the case is flagged overdue for both sides.
    yesterday = date.today() - timedelta(days=1)
    await session.execute(
        update(Case).where(Case.id == cid).values(deadline=yesterday, due_date=yesterday)
    )
    await session.commit()
    for member in (net.fr, net.it):
        got = (await client.get(f"/api/v1/cases/{cid}", headers=member.headers)).json()
        assert got["overdue"] is True
    listed = await client.get("/api/v1/cases?overdue=true", headers=net.it.headers)
    assert [c["id"] for c in listed.json()["items"]] == [cid]

    new_date = (date.today() + timedelta(days=45)).isoformat()
    notice = await act_ok(
        client, net.it, cid, "report_delay", new_deadline=new_date, note="bank holiday"
    )
    assert notice["status"] == "acknowledged"
    assert notice["expected_date"] == new_date
    assert notice["due_date"] == new_date
    assert notice["overdue"] is False
    stored = (await session.execute(select(CaseDeadlineNotice))).scalars().one()
    assert stored.kind == "delay"
    assert stored.reason == "bank holiday"
    assert stored.previous_date == yesterday
    assert stored.filed_by == net.it.id
    assert (await client.get("/api/v1/cases?overdue=true", headers=net.it.headers)).json()[
        "items"
    ] == []


async def test_deadline_monitor_flags_each_overdue_case_once(
    client: httpx.AsyncClient, session: AsyncSession, net: Network, db: Database
) -> None:
    from app.cases.tasks import flag_overdue_cases
    from app.models.events import Event

    late = await submitted_case(client, net)
    on_time = await submitted_case(client, net)
    yesterday = date.today() - timedelta(days=1)
    await session.execute(
        update(Case).where(Case.id == late["id"]).values(deadline=yesterday, due_date=yesterday)
    )
    await session.commit()
    async with db.transaction() as tx:
        flagged = await flag_overdue_cases(tx)
    assert [str(i) for i in flagged] == [late["id"]]
    async with db.transaction() as tx:
        assert await flag_overdue_cases(tx) == []
    timeline = (
        await client.get(f"/api/v1/cases/{late['id']}/timeline", headers=net.fr.headers)
    ).json()
    overdue = [e for e in timeline if e["kind"] == "overdue"]
    assert len(overdue) == 1 and overdue[0]["data"]["due_date"] == yesterday.isoformat()
    events = (
        (await session.execute(select(Event).where(Event.name == "case.deadline.passed")))
        .scalars()
        .all()
    )
    assert [e.audience_id for e in events] == [late["id"]]
    assert await audit_rows(session, "case.overdue", late["id"])
    seen = (await client.get(f"/api/v1/cases/{late['id']}", headers=net.it.headers)).json()
    assert seen["overdue"] is True and seen["overdue_since"] is not None
    assert on_time["id"] not in [str(i) for i in flagged]

    # A new expected date clears the flag; when that date passes it is flagged again.
    await act_ok(client, net.it, late["id"], "acknowledge")
    renewed = await act_ok(
        client,
        net.it,
        late["id"],
        "report_delay",
        new_deadline=(date.today() + timedelta(days=3)).isoformat(),
        note="one more week",
    )
    assert renewed["overdue"] is False and renewed["overdue_since"] is None


@pytest.mark.parametrize("asked_while", ["acknowledged", "in_execution"])
async def test_providing_information_resumes_where_the_case_was_asked(
    client: httpx.AsyncClient, session: AsyncSession, net: Network, asked_while: str
) -> None:
    case = await submitted_case(client, net)
    cid = case["id"]
    await act_ok(client, net.it, cid, "acknowledge")
    if asked_while == "in_execution":
        await act_ok(client, net.it, cid, "start_execution")
    asked = await act_ok(client, net.it, cid, "request_information", note="which accounts?")
    assert asked["status"] == "information_requested"
    provided = await act_ok(client, net.fr, cid, "provide_information", note="IBAN list")
    assert provided["status"] == asked_while

    timeline = (await client.get(f"/api/v1/cases/{cid}/timeline", headers=net.fr.headers)).json()
    last = [e for e in timeline if e["kind"] == "transition"][-1]
    assert (last["action"], last["from_status"], last["to_status"]) == (
        "provide_information",
        "information_requested",
        asked_while,
    )
    entry = next(
        e
        for e in await audit_rows(session, "case.transitioned", cid)
        if e.details and e.details["action"] == "provide_information"
    )
    assert entry.changes is not None
    assert entry.changes["status"] == {"old": "information_requested", "new": asked_while}
    # Asked again from where it resumed, and answered again: the latest request counts.
    if asked_while == "acknowledged":
        await act_ok(client, net.it, cid, "start_execution")
        await act_ok(client, net.it, cid, "request_information", note="and the cards?")
        again = await act_ok(client, net.fr, cid, "provide_information", note="card list")
        assert again["status"] == "in_execution"
