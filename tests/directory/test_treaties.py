"""Treaties: list by state, create and edit (admins), revisions."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.audit import AuditEntry
from tests.factories import make_authority, make_member, make_treaty

TREATY = {
    "title": "Treaty on Mutual Legal Assistance in Criminal Matters between Italy and Brazil",
    "kind": "bilateral",
    "subjects": ["mla"],
    "signed_on": "1989-10-17",
    "in_force_on": "1993-08-24",
    "url": "https://treaties.example.org/ita-bra-mla",
    "parties": ["ita", "BRA"],
}


async def test_admin_creates_and_edits_treaty(client: httpx.AsyncClient, session: AsyncSession):
    admin = await make_member(session, roles=["admin"])
    await session.commit()
    created = await client.post("/api/v1/treaties", json=TREATY, headers=admin.headers)
    assert created.status_code == 201, created.text
    treaty = created.json()
    assert treaty["parties"] == ["BRA", "ITA"] and treaty["signed_on"] == "1989-10-17"

    patched = await client.patch(
        f"/api/v1/treaties/{treaty['id']}",
        json={"parties": ["ITA", "BRA", "PRT"], "notes": "Extended"},
        headers=admin.headers,
    )
    assert patched.status_code == 200 and patched.json()["parties"] == ["BRA", "ITA", "PRT"]
    revisions = await client.get(
        f"/api/v1/treaties/{treaty['id']}/revisions", headers=admin.headers
    )
    latest = revisions.json()["items"][0]
    assert latest["changes"] == {
        "notes": {"old": None, "new": "Extended"},
        "parties": {"old": ["BRA", "ITA"], "new": ["BRA", "ITA", "PRT"]},
    }
    actions = (await session.execute(select(AuditEntry.action))).scalars().all()
    assert (
        actions.count("directory.treaty.create") == 1
        and actions.count("directory.treaty.update") == 1
    )

    bad = await client.post(
        "/api/v1/treaties", json={**TREATY, "parties": ["ITA", "QQQ"]}, headers=admin.headers
    )
    assert bad.status_code == 422 and bad.json()["errors"] == [
        {"field": "parties.1", "message": "unknown state QQQ"}
    ]


async def test_only_admins_write_treaties(client: httpx.AsyncClient, session: AsyncSession):
    authority = await make_authority(session)
    focal = await make_member(session, authority=authority, focal_point=True)
    moderator = await make_member(session, roles=["moderator"])
    treaty = await make_treaty(session, parties=["FRA", "ITA"])
    await session.commit()
    for member in (focal, moderator):
        assert (
            await client.post("/api/v1/treaties", json=TREATY, headers=member.headers)
        ).status_code == 403
        response = await client.patch(
            f"/api/v1/treaties/{treaty.id}", json={"notes": "x"}, headers=member.headers
        )
        assert response.status_code == 403
    missing = "/api/v1/treaties/00000000-0000-0000-0000-000000000000"
    assert (await client.get(missing, headers=focal.headers)).status_code == 404


async def test_list_by_state_and_subject(client: httpx.AsyncClient, session: AsyncSession):
    reader = await make_member(session)
    await make_treaty(
        session, parties=["FRA", "ITA"], title="B bilateral", subjects=["extradition"]
    )
    await make_treaty(
        session,
        parties=["FRA", "ITA", "DEU"],
        title="A regional",
        kind="regional",
        subjects=["mla", "extradition"],
    )
    await make_treaty(session, parties=["BRA", "ITA"], title="C other")
    await session.commit()

    async def titles(**params: object) -> list[str]:
        response = await client.get("/api/v1/treaties", params=params, headers=reader.headers)
        assert response.status_code == 200
        return [t["title"] for t in response.json()["items"]]

    assert await titles() == ["A regional", "B bilateral", "C other"]
    assert await titles(state="fra") == ["A regional", "B bilateral"]
    assert await titles(state="ITA", subject="mla") == ["A regional", "C other"]
    assert await titles(kind="regional") == ["A regional"]
    page = await client.get("/api/v1/treaties", params={"limit": 2}, headers=reader.headers)
    rest = await client.get(
        "/api/v1/treaties",
        params={"limit": 2, "cursor": page.json()["next_cursor"]},
        headers=reader.headers,
    )
    assert [t["title"] for t in rest.json()["items"]] == ["C other"] and rest.json()[
        "next_cursor"
    ] is None


async def test_treaty_idempotency(client: httpx.AsyncClient, session: AsyncSession):
    admin = await make_member(session, roles=["admin"])
    await session.commit()
    headers = {**admin.headers, "Idempotency-Key": "t-1"}
    first = await client.post("/api/v1/treaties", json=TREATY, headers=headers)
    again = await client.post("/api/v1/treaties", json=TREATY, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    listing = await client.get("/api/v1/treaties", headers=admin.headers)
    assert len(listing.json()["items"]) == 1
