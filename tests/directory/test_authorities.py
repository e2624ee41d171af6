"""Authorities: create, read, edit, verify, revisions, permissions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.audit import AuditEntry
from app.models.directory import Authority, DirectoryRevision
from app.models.events import Event
from tests.factories import make_authority, make_member

FULL = {
    "state_code": "ita",
    "name": "Ministry of Justice, Department for Justice Affairs",
    "name_original": "Ministero della Giustizia, Dipartimento per gli Affari di Giustizia",
    "types": ["mla", "extradition"],
    "address": "Via Arenula 70, 00186 Roma",
    "phone": "+39 06 6885 1",
    "email": "cooperazione.dag@giustizia.it",
    "website": "https://www.giustizia.it",
    "time_zone": "Europe/Rome",
    "office_hours": "Mon-Fri 09:00-17:00",
    "languages": ["IT", "en", "fr"],
    "channels": ["direct_transmission", "diplomatic_channel"],
    "urgent_procedure": "Send by **email** and call the duty officer.",
    "contact_24_7": "+39 06 0000 0000",
    "convention_basis_extradition": True,
    "convention_basis_mla": True,
    "law_links": [{"title": "Code of Criminal Procedure", "url": "https://www.normattiva.it"}],
    "contacts": [{"name": "Dott.ssa Rossi", "position": "Head of Office", "languages": ["it"]}],
}


async def _audit(session: AsyncSession, action: str) -> list[AuditEntry]:
    rows = await session.execute(select(AuditEntry).where(AuditEntry.action == action))
    return list(rows.scalars())


async def test_admin_creates_complete_entry(client: httpx.AsyncClient, session: AsyncSession):
    admin = await make_member(session, roles=["admin"])
    await session.commit()
    response = await client.post("/api/v1/authorities", json=FULL, headers=admin.headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["state_code"] == "ITA"
    assert body["state_name"] == "Italy"
    assert body["region"] == "Europe"
    assert body["languages"] == ["it", "en", "fr"]
    assert body["urgent_procedure_html"].startswith("<p>Send by <strong>email</strong>")
    assert body["law_links"][0]["title"] == "Code of Criminal Procedure"
    assert body["last_verified_by"]["id"] == str(admin.id)
    assert body["stale"] is False
    entries = await _audit(session, "directory.authority.create")
    assert len(entries) == 1 and entries[0].changes["name"]["new"] == FULL["name"]
    events = (await session.execute(select(Event))).scalars().all()
    assert [e.name for e in events] == ["directory.authority.created"]
    assert events[0].data == {"authority_id": body["id"]}


async def test_create_validates(client: httpx.AsyncClient, session: AsyncSession):
    admin = await make_member(session, roles=["admin"])
    await session.commit()
    bad = {**FULL, "state_code": "XXX", "time_zone": "Mars/Olympus"}
    response = await client.post("/api/v1/authorities", json=bad, headers=admin.headers)
    assert response.status_code == 422
    assert any(e["field"] == "time_zone" for e in response.json()["errors"])
    bad = {**FULL, "state_code": "XXX"}
    response = await client.post("/api/v1/authorities", json=bad, headers=admin.headers)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "state_code", "message": "unknown state XXX"}]
    bad = {**FULL, "types": ["nonsense"]}
    response = await client.post("/api/v1/authorities", json=bad, headers=admin.headers)
    assert response.status_code == 422


async def test_only_admins_create(client: httpx.AsyncClient, session: AsyncSession):
    authority = await make_authority(session)
    focal = await make_member(session, authority=authority, focal_point=True)
    moderator = await make_member(session, roles=["moderator"])
    auditor = await make_member(session, roles=["auditor"])
    await session.commit()
    for member in (focal, moderator):
        response = await client.post("/api/v1/authorities", json=FULL, headers=member.headers)
        assert response.status_code == 403
    assert (
        await client.post("/api/v1/authorities", json=FULL, headers=auditor.headers)
    ).status_code == 403
    assert (await client.post("/api/v1/authorities", json=FULL)).status_code == 401
    # Refused at the role check: no object exists, so there is nothing to audit.
    assert await _audit(session, "directory.authority.create") == []
    count = len((await session.execute(select(Authority))).scalars().all())
    assert count == 1


async def test_focal_point_edits_own_authority_with_revision(
    client: httpx.AsyncClient, session: AsyncSession
):
    authority = await make_authority(session, state_code="FRA", name="Bureau de l'entraide")
    authority.last_verified_at = datetime.now(UTC) - timedelta(days=400)
    focal = await make_member(session, authority=authority, focal_point=True)
    await session.commit()

    before = await client.get(f"/api/v1/authorities/{authority.id}", headers=focal.headers)
    assert before.json()["stale"] is True
    assert before.json()["focal_points"] == [
        {"id": str(focal.id), "full_name": focal.user.full_name}
    ]

    patch = {"email": "entraide@justice.gouv.fr", "languages": ["fr", "en"]}
    response = await client.patch(
        f"/api/v1/authorities/{authority.id}", json=patch, headers=focal.headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["email"] == "entraide@justice.gouv.fr"
    assert body["name"] == "Bureau de l'entraide"  # untouched
    assert body["stale"] is False
    assert body["last_verified_by"]["id"] == str(focal.id)

    revisions = await client.get(
        f"/api/v1/authorities/{authority.id}/revisions", headers=focal.headers
    )
    assert revisions.status_code == 200
    [latest] = revisions.json()["items"]
    assert latest["action"] == "updated"
    assert latest["actor"] == {"id": str(focal.id), "full_name": focal.user.full_name}
    assert latest["changes"] == {
        "email": {"old": None, "new": "entraide@justice.gouv.fr"},
        "languages": {"old": [], "new": ["fr", "en"]},
    }
    [entry] = await _audit(session, "directory.authority.update")
    assert entry.changes == latest["changes"]
    assert entry.authority_ids == [authority.id]


async def test_who_may_not_edit(client: httpx.AsyncClient, session: AsyncSession):
    authority = await make_authority(session)
    other = await make_authority(session, state_code="FRA")
    officer = await make_member(session, authority=authority)  # not a focal point
    other_focal = await make_member(session, authority=other, focal_point=True)
    moderator = await make_member(session, roles=["moderator"])
    auditor = await make_member(session, roles=["auditor"])
    focal = await make_member(session, authority=authority, focal_point=True)
    await session.commit()
    url = f"/api/v1/authorities/{authority.id}"
    for member in (officer, other_focal, moderator, auditor):
        response = await client.patch(url, json={"email": "x@example.org"}, headers=member.headers)
        assert response.status_code == 403, member.user.roles
        response = await client.post(f"{url}/verify", headers=member.headers)
        assert response.status_code == 403
    # A focal point may not move the authority to another state.
    response = await client.patch(url, json={"state_code": "ITA"}, headers=focal.headers)
    assert response.status_code == 403
    denied = await _audit(session, "directory.authority.update")
    assert len(denied) == 7 and {e.outcome for e in denied} == {"denied"}
    assert (await session.get(Authority, authority.id)).email is None  # type: ignore[union-attr]


async def test_unknown_authority_is_404(client: httpx.AsyncClient, session: AsyncSession):
    admin = await make_member(session, roles=["admin"])
    await session.commit()
    url = "/api/v1/authorities/00000000-0000-0000-0000-000000000000"
    assert (await client.get(url, headers=admin.headers)).status_code == 404
    assert (await client.patch(url, json={}, headers=admin.headers)).status_code == 404
    assert (await client.get(f"{url}/revisions", headers=admin.headers)).status_code == 404


async def test_verify_without_changes_records_verified_revision(
    client: httpx.AsyncClient, session: AsyncSession
):
    authority = await make_authority(session)
    admin = await make_member(session, roles=["admin"])
    await session.commit()
    response = await client.post(
        f"/api/v1/authorities/{authority.id}/verify", headers=admin.headers
    )
    assert response.status_code == 200
    assert response.json()["last_verified_at"] is not None
    revision = (await session.execute(select(DirectoryRevision))).scalar_one()
    assert revision.action == "verified" and revision.changes == {}
    assert len(await _audit(session, "directory.authority.verify")) == 1


async def test_admin_empties_required_field_is_422(
    client: httpx.AsyncClient, session: AsyncSession
):
    authority = await make_authority(session)
    admin = await make_member(session, roles=["admin"])
    await session.commit()
    url = f"/api/v1/authorities/{authority.id}"
    response = await client.patch(url, json={"name": None}, headers=admin.headers)
    assert response.status_code == 422
    response = await client.patch(url, json={"types": []}, headers=admin.headers)
    assert response.status_code == 422
    response = await client.patch(url, json={"state_code": "ITA"}, headers=admin.headers)
    assert response.status_code == 200 and response.json()["state_name"] == "Italy"


async def test_idempotency_key_creates_once(client: httpx.AsyncClient, session: AsyncSession):
    admin = await make_member(session, roles=["admin"])
    await session.commit()
    headers = {**admin.headers, "Idempotency-Key": "create-ita-1"}
    first = await client.post("/api/v1/authorities", json=FULL, headers=headers)
    again = await client.post("/api/v1/authorities", json=FULL, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    other = await client.post(
        "/api/v1/authorities", json=FULL, headers={**admin.headers, "Idempotency-Key": "other"}
    )
    assert other.json()["id"] != first.json()["id"]
    count = len((await session.execute(select(Authority))).scalars().all())
    assert count == 2
    assert len(await _audit(session, "directory.authority.create")) == 2


async def test_allowed_actions_say_what_the_writes_accept(
    client: httpx.AsyncClient, session: AsyncSession
):
    authority = await make_authority(session)
    other = await make_authority(session, state_code="ITA")
    readers = {
        "officer": await make_member(session, authority=authority),
        "other focal point": await make_member(session, authority=other, focal_point=True),
        "moderator": await make_member(session, roles=["moderator"]),
        "focal point": await make_member(session, authority=authority, focal_point=True),
        "admin": await make_member(session, roles=["admin"]),
    }
    await session.commit()
    url = f"/api/v1/authorities/{authority.id}"
    expected = {
        "officer": [],
        "other focal point": [],
        "moderator": [],
        "focal point": ["edit", "verify"],
        "admin": ["edit", "verify", "change_state"],
    }
    for who, member in readers.items():
        read = await client.get(url, headers=member.headers)
        actions = read.json()["allowed_actions"]
        assert actions == expected[who], who
        # Each action shown is one the API accepts, and each one not shown it refuses.
        edited = await client.patch(url, json={"office_hours": who}, headers=member.headers)
        assert (edited.status_code == 200) == ("edit" in actions), who
        verified = await client.post(f"{url}/verify", headers=member.headers)
        assert (verified.status_code == 200) == ("verify" in actions), who
        moved = await client.patch(url, json={"state_code": "FRA"}, headers=member.headers)
        assert (moved.status_code == 200) == ("change_state" in actions), who
        if edited.status_code == 200:
            # The write's own answer carries the same field.
            assert edited.json()["allowed_actions"] == actions
