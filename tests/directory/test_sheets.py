"""Requirement sheets: write (admin, focal point of the state), read, verify, compare."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.audit import AuditEntry
from app.models.events import Event
from tests.factories import make_authority, make_member, make_requirement_sheet

SHEET = {
    "possible": True,
    "legal_framework": "Code de procédure pénale, arts. 694 ff.",
    "executing_authority": "Investigating judge of the place of execution",
    "languages": ["fr"],
    "usual_execution_time": "2-4 months",
    "requirements": ["dual_criminality", "certified_translation"],
    "special_requirements": "Coercive measures need **dual criminality**.",
    "alternatives": "Police cooperation through INTERPOL for urgent preservation.",
}


async def test_focal_point_of_state_writes_sheet(client: httpx.AsyncClient, session: AsyncSession):
    authority = await make_authority(session, state_code="FRA")
    focal = await make_member(session, authority=authority, focal_point=True)
    await session.commit()
    url = "/api/v1/states/fra/requirements/mla"
    body = {**SHEET, "receiving_authority_id": str(authority.id)}
    created = await client.put(url, json=body, headers=focal.headers)
    assert created.status_code == 201, created.text
    sheet = created.json()
    assert sheet["state_code"] == "FRA" and sheet["measure"] is None
    assert (
        sheet["special_requirements_html"]
        == "<p>Coercive measures need <strong>dual criminality</strong>.</p>\n"
    )
    assert sheet["last_verified_by"] == str(focal.id) and sheet["stale"] is False

    replaced = await client.put(
        url, json={**body, "usual_execution_time": "3 months"}, headers=focal.headers
    )
    assert replaced.status_code == 200
    assert replaced.json()["id"] == sheet["id"]

    measure = await client.put(
        url,
        params={"measure": "search_and_seizure"},
        json={**SHEET, "possible": False},
        headers=focal.headers,
    )
    assert measure.status_code == 201 and measure.json()["measure"] == "search_and_seizure"

    listing = await client.get("/api/v1/states/FRA/requirements", headers=focal.headers)
    assert [(s["request_type"], s["measure"]) for s in listing.json()["items"]] == [
        ("mla", None),
        ("mla", "search_and_seizure"),
    ]
    one = await client.get(url, params={"measure": "search_and_seizure"}, headers=focal.headers)
    assert one.json()["possible"] is False
    missing = await client.get(url, params={"measure": "freezing"}, headers=focal.headers)
    assert missing.status_code == 404

    revisions = await client.get(
        f"/api/v1/requirement-sheets/{sheet['id']}/revisions", headers=focal.headers
    )
    items = revisions.json()["items"]
    assert [r["action"] for r in items] == ["updated", "created"]
    assert items[0]["changes"] == {"usual_execution_time": {"old": "2-4 months", "new": "3 months"}}
    entries = (
        (
            await session.execute(
                select(AuditEntry).where(AuditEntry.action == "directory.requirement_sheet.write")
            )
        )
        .scalars()
        .all()
    )
    assert len(entries) == 3
    names = (await session.execute(select(Event.name))).scalars().all()
    assert names.count("directory.requirement_sheet.updated") == 3


async def test_sheet_write_permissions(client: httpx.AsyncClient, session: AsyncSession):
    fra = await make_authority(session, state_code="FRA")
    ita = await make_authority(session, state_code="ITA")
    other_focal = await make_member(session, authority=ita, focal_point=True)
    officer = await make_member(session, authority=fra)
    moderator = await make_member(session, roles=["moderator"])
    auditor = await make_member(session, roles=["auditor"])
    admin = await make_member(session, roles=["admin"])
    await session.commit()
    url = "/api/v1/states/FRA/requirements/extradition"
    for member in (other_focal, officer, moderator, auditor):
        assert (await client.put(url, json=SHEET, headers=member.headers)).status_code == 403
    denied = (
        (
            await session.execute(
                select(AuditEntry).where(
                    AuditEntry.action == "directory.requirement_sheet.write",
                    AuditEntry.outcome == "denied",
                )
            )
        )
        .scalars()
        .all()
    )
    assert len(denied) == 3  # the auditor is refused by role before reaching the sheet
    assert (await client.put(url, json=SHEET, headers=admin.headers)).status_code == 201
    assert (
        await client.put("/api/v1/states/XXX/requirements/mla", json=SHEET, headers=admin.headers)
    ).status_code == 404
    assert (
        await client.put(
            "/api/v1/states/FRA/requirements/nonsense", json=SHEET, headers=admin.headers
        )
    ).status_code == 422
    wrong_state = {**SHEET, "receiving_authority_id": str(ita.id)}
    response = await client.put(url, json=wrong_state, headers=admin.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "receiving_authority_id"


async def test_verify_sheet(client: httpx.AsyncClient, session: AsyncSession):
    fra = await make_authority(session, state_code="FRA")
    focal = await make_member(session, authority=fra, focal_point=True)
    await make_requirement_sheet(
        session, state_code="FRA", request_type="mla", last_verified_at=None
    )
    await session.commit()
    response = await client.post(
        "/api/v1/states/FRA/requirements/mla/verify", headers=focal.headers
    )
    assert response.status_code == 200
    assert response.json()["stale"] is False and response.json()["last_verified_by"] == str(
        focal.id
    )
    missing = await client.post(
        "/api/v1/states/FRA/requirements/extradition/verify", headers=focal.headers
    )
    assert missing.status_code == 404


async def test_compare_two_states(client: httpx.AsyncClient, session: AsyncSession):
    reader = await make_member(session)
    await make_requirement_sheet(
        session,
        state_code="FRA",
        languages=["fr"],
        requirements=["dual_criminality"],
        possible=True,
    )
    await make_requirement_sheet(
        session,
        state_code="ITA",
        languages=["it", "fr"],
        requirements=["dual_criminality"],
        possible=True,
    )
    await make_requirement_sheet(
        session, state_code="ITA", measure="freezing", languages=["it"], possible=False
    )
    await session.commit()
    response = await client.get(
        "/api/v1/requirements/compare",
        params={"state_a": "fra", "state_b": "ITA", "request_type": "mla"},
        headers=reader.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["a"]["state"]["code"] == "FRA" and body["b"]["state"]["name"] == "Italy"
    fields = {f["field"]: f for f in body["fields"]}
    assert fields["languages"] == {
        "field": "languages",
        "a": ["fr"],
        "b": ["it", "fr"],
        "same": False,
    }
    assert fields["requirements"]["same"] is True and fields["possible"]["same"] is True

    # A measure: Italy's measure sheet, France's general one.
    response = await client.get(
        "/api/v1/requirements/compare",
        params={"state_a": "FRA", "state_b": "ITA", "request_type": "mla", "measure": "freezing"},
        headers=reader.headers,
    )
    body = response.json()
    assert body["a"]["sheet"]["measure"] is None and body["b"]["sheet"]["measure"] == "freezing"
    assert {f["field"]: f for f in body["fields"]}["possible"] == {
        "field": "possible",
        "a": True,
        "b": False,
        "same": False,
    }
    # A state without a sheet compares as empty; an unknown state is 404.
    response = await client.get(
        "/api/v1/requirements/compare",
        params={"state_a": "FRA", "state_b": "NGA", "request_type": "mla"},
        headers=reader.headers,
    )
    assert response.json()["b"]["sheet"] is None
    response = await client.get(
        "/api/v1/requirements/compare",
        params={"state_a": "FRA", "state_b": "ZZZ", "request_type": "mla"},
        headers=reader.headers,
    )
    assert response.status_code == 404


async def test_allowed_actions_say_what_the_writes_accept(
    client: httpx.AsyncClient, session: AsyncSession
):
    fra = await make_authority(session, state_code="FRA")
    # Sheets are the State's: a focal point of any authority of France may write them.
    other_fra = await make_authority(session, state_code="FRA")
    ita = await make_authority(session, state_code="ITA")
    await make_requirement_sheet(session, state_code="FRA", request_type="mla")
    readers = {
        "officer": await make_member(session, authority=fra),
        "other state's focal point": await make_member(session, authority=ita, focal_point=True),
        "moderator": await make_member(session, roles=["moderator"]),
        "focal point": await make_member(session, authority=fra, focal_point=True),
        "focal point of another authority of the state": await make_member(
            session, authority=other_fra, focal_point=True
        ),
        "admin": await make_member(session, roles=["admin"]),
    }
    await session.commit()
    url = "/api/v1/states/FRA/requirements/mla"
    expected = {
        "officer": [],
        "other state's focal point": [],
        "moderator": [],
        "focal point": ["edit", "verify"],
        "focal point of another authority of the state": ["edit", "verify"],
        "admin": ["edit", "verify"],
    }
    for who, member in readers.items():
        read = await client.get(url, headers=member.headers)
        assert read.status_code == 200, who
        actions = read.json()["allowed_actions"]
        assert actions == expected[who], who
        # Each action shown is one the API accepts, and each one not shown it refuses.
        edited = await client.put(url, json={**SHEET, "notes": who}, headers=member.headers)
        assert (edited.status_code == 200) == ("edit" in actions), who
        verified = await client.post(f"{url}/verify", headers=member.headers)
        assert (verified.status_code == 200) == ("verify" in actions), who
        if edited.status_code == 200:
            # The writes' own answers carry the same field.
            assert edited.json()["allowed_actions"] == actions
            assert verified.json()["allowed_actions"] == actions
        else:
            assert edited.status_code == verified.status_code == 403, who
