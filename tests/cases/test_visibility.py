"""Need-to-know: outside a case, it does not exist (404 on every route, absent everywhere)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.cases import service as cases_service
from app.cases.access import case_side, readable_clause
from app.models.cases import Case, CaseParticipant
from tests.cases.conftest import Network, act_ok, audit_rows, create_case, submitted_case
from tests.factories import Member

_BODIES = {
    ("PATCH", "/api/v1/cases/{case_id}"): {"title": "x"},
    ("POST", "/api/v1/cases/{case_id}/transitions"): {"action": "acknowledge"},
    ("POST", "/api/v1/cases/{case_id}/messages"): {"body": "hello"},
    ("DELETE", "/api/v1/cases/{case_id}/attachments/{attachment_id}"): {"reason": "x"},
    ("POST", "/api/v1/cases/{case_id}/legal-hold"): {"reason": "x"},
    ("DELETE", "/api/v1/cases/{case_id}/legal-hold"): {"reason": "x"},
}


def case_routes(app: FastAPI) -> list[tuple[str, str]]:
    paths = app.openapi()["paths"]
    return sorted(
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith("/api/v1/cases/{case_id}")
        for method in operations
    )


async def _call(
    client: httpx.AsyncClient, member: Member, method: str, path: str, ids: dict[str, str]
) -> httpx.Response:
    url = re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], path)
    if path.endswith("/attachments") and method == "POST":
        return await client.post(
            url, files={"file": ("a.txt", b"secret", "text/plain")}, headers=member.headers
        )
    if path.endswith("/participants") and method == "POST":
        body = {"user_id": ids["user_id"], "expires_at": ids["expires_at"]}
        return await client.post(url, json=body, headers=member.headers)
    body = _BODIES.get((method, path))
    return await client.request(method, url, json=body, headers=member.headers)


async def test_outsiders_get_404_on_every_case_route(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    case = await submitted_case(client, net)
    cid = case["id"]
    upload = await client.post(
        f"/api/v1/cases/{cid}/attachments",
        files={"file": ("evidence.txt", b"bank records", "text/plain")},
        headers=net.fr.headers,
    )
    assert upload.status_code == 201
    await client.post(f"/api/v1/cases/{cid}/messages", json={"body": "x"}, headers=net.fr.headers)
    ids = {
        "case_id": cid,
        "attachment_id": upload.json()["id"],
        "user_id": str(net.fr2.id),
        "expires_at": (datetime.now(UTC) + timedelta(days=3)).isoformat(),
    }
    routes = case_routes(app)
    assert len(routes) >= 14
    failures = []
    for label, member in net.outsiders.items():
        for method, path in routes:
            response = await _call(client, member, method, path, ids)
            if response.status_code != 404:
                failures.append(f"{label}: {method} {path} -> {response.status_code}")
            elif response.json()["detail"] not in ("No such case.",):
                failures.append(f"{label}: {method} {path} leaks: {response.json()['detail']}")
    assert not failures, "\n".join(failures)
    # Nothing they did reached the case; every refusal by a signed-in case-capable
    # member is in the audit log as a denial.
    denied = await audit_rows(session, "case.access.denied", cid)
    assert {e.actor_user_id for e in denied} == {m.id for m in net.outsiders.values()}
    assert all(e.outcome == "denied" for e in denied)
    detail = (await client.get(f"/api/v1/cases/{cid}", headers=net.fr.headers)).json()
    assert detail["status"] == "submitted"  # no outsider recorded the receipt

    # Lists, search and counts leave it out.
    for member in (net.br, net.liaison):
        listed = await client.get("/api/v1/cases", headers=member.headers)
        assert listed.status_code == 200
        assert listed.json()["items"] == []
        hits = await cases_service.search_text(session, actor=member.actor, q="Acme", limit=10)
        assert hits == []
    for member in (net.admin, net.moderator, net.auditor):
        assert (await client.get("/api/v1/cases", headers=member.headers)).status_code == 403
    figures = await client.get(
        f"/api/v1/cases/metrics?authority_id={net.fra.id}", headers=net.br.headers
    )
    assert figures.status_code == 403


async def test_a_nonexistent_case_answers_like_a_hidden_one(
    client: httpx.AsyncClient, net: Network
) -> None:
    case = await submitted_case(client, net)
    hidden = await client.get(f"/api/v1/cases/{case['id']}", headers=net.br.headers)
    missing = await client.get(
        "/api/v1/cases/00000000-0000-0000-0000-000000000000", headers=net.br.headers
    )
    assert hidden.status_code == missing.status_code == 404
    strip = lambda body: {k: v for k, v in body.items() if k != "request_id"}  # noqa: E731
    assert strip(hidden.json()) == strip(missing.json())


async def test_participants_see_it_in_lists_and_search(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    case = await submitted_case(client, net)
    for member, box in ((net.fr2, "outgoing"), (net.it2, "incoming")):
        listed = await client.get(f"/api/v1/cases?box={box}", headers=member.headers)
        assert [c["id"] for c in listed.json()["items"]] == [case["id"]]
        other_box = "incoming" if box == "outgoing" else "outgoing"
        assert (await client.get(f"/api/v1/cases?box={other_box}", headers=member.headers)).json()[
            "items"
        ] == []
    hits = await cases_service.search_text(session, actor=net.it2.actor, q="Acme", limit=10)
    assert [str(h.id) for h in hits] == [case["id"]]
    assert hits[0].scope == "cases"
    assert "<mark>Acme</mark>" in hits[0].snippet
    await session.commit()


async def test_restricted_case_only_for_assigned_officers_and_focal_points(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    case = await create_case(client, net.fr, net.ita, restricted=True)
    cid = case["id"]
    await act_ok(client, net.fr, cid, "submit")
    url = f"/api/v1/cases/{cid}"
    assert (await client.get(url, headers=net.fr2.headers)).status_code == 404
    assert (await client.get(url, headers=net.it.headers)).status_code == 404
    assert (await client.get(url, headers=net.fr_focal.headers)).status_code == 200
    assert (await client.get(url, headers=net.it_focal.headers)).status_code == 200
    assert (await client.get(url, headers=net.fr.headers)).status_code == 200  # its creator
    # The requested side's focal point assigns an officer, who then sees it.
    assigned = await client.post(
        f"{url}/participants",
        json={"user_id": str(net.it.id), "role": "assigned"},
        headers=net.it_focal.headers,
    )
    assert assigned.status_code == 201, assigned.text
    assert (await client.get(url, headers=net.it.headers)).status_code == 200
    assert (await client.get(url, headers=net.it2.headers)).status_code == 404
    listed = await client.get("/api/v1/cases", headers=net.it2.headers)
    assert listed.json()["items"] == []
    assert net.it.id in await cases_service.participant_user_ids(session, cid)  # type: ignore[arg-type]
    ids = set(await cases_service.participant_user_ids(session, case["id"]))  # type: ignore[arg-type]
    assert ids == {net.fr.id, net.fr_focal.id, net.it_focal.id, net.it.id}


async def test_shared_draft_is_visible_to_the_requested_side(
    client: httpx.AsyncClient, net: Network
) -> None:
    case = await create_case(client, net.fr, net.ita)
    url = f"/api/v1/cases/{case['id']}"
    assert (await client.get(url, headers=net.it.headers)).status_code == 404
    shared = await client.patch(url, json={"shared_for_consultation": True}, headers=net.fr.headers)
    assert shared.status_code == 200
    seen = await client.get(url, headers=net.it.headers)
    assert seen.status_code == 200
    assert seen.json()["status"] == "draft"
    assert seen.json()["allowed_actions"] == []
    comment = await client.post(
        f"{url}/messages", json={"body": "Please add the IBANs."}, headers=net.it.headers
    )
    assert comment.status_code == 201


async def test_python_and_sql_rules_agree(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    from sqlalchemy import select

    plain = await create_case(client, net.fr, net.ita)
    restricted = await create_case(client, net.fr, net.ita, restricted=True)
    shared = await create_case(client, net.fr, net.ita)
    await act_ok(client, net.fr, restricted["id"], "submit")
    await session.execute(
        update(Case).where(Case.id == shared["id"]).values(shared_for_consultation=True)
    )
    session.add(
        CaseParticipant(
            case_id=plain["id"],
            user_id=net.liaison.id,
            role="observer",
            expires_at=datetime.now(UTC) + timedelta(days=1),
        )
    )
    await session.commit()
    members = [
        net.fr,
        net.fr2,
        net.fr_focal,
        net.it,
        net.it_focal,
        net.br,
        net.liaison,
        net.admin,
        net.auditor,
    ]
    cases = (await session.execute(select(Case))).scalars().all()
    now = datetime.now(UTC)
    for member in members:
        actor = member.actor
        sql = set((await session.execute(select(Case.id).where(readable_clause(actor)))).scalars())
        for case in cases:
            participant = await session.scalar(
                select(CaseParticipant).where(
                    CaseParticipant.case_id == case.id, CaseParticipant.user_id == member.id
                )
            )
            python = case_side(case, actor, participant, now) is not None
            assert python == (case.id in sql), (member.user.email, case.title, python)


async def test_search_endpoint_never_reveals_a_case(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    case = await submitted_case(client, net)
    await client.post(
        f"/api/v1/cases/{case['id']}/messages",
        json={"body": "The suspect Zebulon moved funds."},
        headers=net.fr.headers,
    )
    for q in ("Acme", "Zebulon", case["reference"]):
        mine = await client.get(f"/api/v1/search?q={q}&scope=cases", headers=net.it.headers)
        assert mine.status_code == 200, mine.text
        assert mine.json()["items"], q
        assert all(h["scope"] == "cases" for h in mine.json()["items"])
        for member in (net.br, net.liaison, net.admin, net.moderator):
            other = await client.get(f"/api/v1/search?q={q}&scope=all", headers=member.headers)
            # Every one of them may search; none of them finds the case.
            assert other.status_code == 200
            assert all(h["scope"] != "cases" for h in other.json()["items"]), q
    hits = (
        await client.get("/api/v1/search?q=Zebulon&scope=cases", headers=net.fr.headers)
    ).json()["items"]
    assert hits[0]["type"] == "case_message"
    assert "<mark>Zebulon</mark>" in hits[0]["snippet"]
    assert hits[0]["url"] == f"/api/v1/cases/{case['id']}/messages"


async def test_case_search_matches_a_prefix_and_escapes_the_snippet(
    client: httpx.AsyncClient, net: Network
) -> None:
    case = await submitted_case(client, net)
    await client.post(
        f"/api/v1/cases/{case['id']}/messages",
        json={"body": "Funds moved by Zebulon <b>&amp;</b> \ue000co\ue001 to Quarnby."},
        headers=net.fr.headers,
    )

    async def hits(q: str) -> list[dict]:
        response = await client.get(
            "/api/v1/search", params={"q": q, "scope": "cases"}, headers=net.fr.headers
        )
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    [message] = await hits("quarn")
    assert message["type"] == "case_message"
    assert message["link"] == f"/cases/{case['id']}"
    assert "<mark>Quarnby</mark>" in message["snippet"]
    assert "<b>" not in message["snippet"] and "&amp;amp;" in message["snippet"]
    # The highlight markers cannot be forged by the text: the only marks are the match's.
    assert message["snippet"].count("<mark>") == 1
    assert [h["type"] for h in await hits("Acm")] == ["case"]
    assert await hits("zeb quarnby") == []
