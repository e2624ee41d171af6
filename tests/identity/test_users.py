"""Member management: separation of duties and four-eyes grants."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.identity import User
from tests.factories import make_authority, make_member
from tests.identity.helpers import audit_actions


async def test_four_eyes_for_privileged_roles(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    first = await make_member(session, roles=["admin"])
    second = await make_member(session, roles=["admin"])
    target = await make_member(session, roles=["officer"])
    await session.commit()
    target_id = target.id

    r = await client.patch(
        f"/api/v1/users/{target_id}",
        json={"roles": ["officer", "moderator"]},
        headers=first.headers,
    )
    assert r.status_code == 202
    change_id = r.json()["pending_change_id"]
    session.expire_all()
    assert (await session.get(User, target_id)).roles == ["officer"]  # type: ignore[union-attr]

    # the requester cannot confirm their own request; the target cannot either
    r = await client.post(f"/api/v1/role-changes/{change_id}/confirm", headers=first.headers)
    assert r.status_code == 403
    listed = await client.get("/api/v1/role-changes", headers=second.headers)
    assert [c["id"] for c in listed.json()] == [change_id]
    r = await client.post(f"/api/v1/role-changes/{change_id}/confirm", headers=second.headers)
    assert r.status_code == 200 and r.json()["status"] == "confirmed"
    session.expire_all()
    assert sorted((await session.get(User, target_id)).roles) == ["moderator", "officer"]  # type: ignore[union-attr]
    r = await client.post(f"/api/v1/role-changes/{change_id}/reject", headers=second.headers)
    assert r.status_code == 409
    actions = await audit_actions(session)
    assert "user.role_change.requested" in actions
    assert "user.role_change.confirmed" in actions


async def test_nobody_changes_their_own_roles(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_member(session, roles=["admin"])
    await session.commit()
    r = await client.patch(
        f"/api/v1/users/{admin.id}", json={"roles": ["admin", "auditor"]}, headers=admin.headers
    )
    assert r.status_code == 403
    r = await client.patch(
        f"/api/v1/users/{admin.id}", json={"status": "suspended"}, headers=admin.headers
    )
    assert r.status_code == 403


async def test_plain_changes_apply_at_once(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_member(session, roles=["admin"])
    moderator = await make_member(session, roles=["moderator"])
    authority = await make_authority(session, state_code="DEU")
    target = await make_member(session, roles=["officer"])
    await session.commit()
    r = await client.patch(
        f"/api/v1/users/{target.id}",
        json={
            "roles": ["liaison_magistrate"],
            "authority_id": str(authority.id),
            "focal_point": True,
        },
        headers=admin.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["roles"] == ["liaison_magistrate"]
    assert r.json()["authority"]["state_code"] == "DEU" and r.json()["focal_point"] is True
    # moderators read members but do not manage them
    r = await client.patch(
        f"/api/v1/users/{target.id}", json={"focal_point": False}, headers=moderator.headers
    )
    assert r.status_code == 403
    listed = await client.get(
        "/api/v1/users", params={"authority_id": str(authority.id)}, headers=moderator.headers
    )
    assert [u["id"] for u in listed.json()["items"]] == [str(target.id)]
    page = await client.get("/api/v1/users", params={"limit": 2}, headers=moderator.headers)
    assert len(page.json()["items"]) == 2 and page.json()["next_cursor"]
    rest = await client.get(
        "/api/v1/users",
        params={"limit": 2, "cursor": page.json()["next_cursor"]},
        headers=moderator.headers,
    )
    ids = [u["id"] for u in page.json()["items"] + rest.json()["items"]]
    assert len(ids) == len(set(ids)) == 3
    assert (
        await client.get(f"/api/v1/users/{target.id}", headers=admin.headers)
    ).status_code == 200
    assert "user.updated" in await audit_actions(session)
