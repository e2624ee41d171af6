"""An admin signs a member out everywhere: DELETE /users/{id}/sessions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.models.audit import AuditEntry
from app.models.events import Event
from app.models.identity import UserSession
from tests.factories import make_member


async def test_an_admin_ends_every_session_of_a_member(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_member(session, roles=["admin"])
    target = await make_member(session, roles=["officer"])
    await session.commit()
    admin_id, target_id = admin.id, target.id
    # A second session of the same member (another device).
    other = UserSession(
        user_id=target_id,
        kind="cookie",
        cookie_hash="x" * 64,
        expires_at=datetime.now(UTC) + timedelta(hours=8),
    )
    session.add(other)
    await session.commit()
    other_id, target_session_id = other.id, target.session_id
    assert (await client.get("/api/v1/me", headers=target.headers)).status_code == 200

    r = await client.delete(f"/api/v1/users/{target_id}/sessions", headers=admin.headers)
    assert r.status_code == 200, r.text
    assert r.json() == {"revoked": 2}

    # The member's token stops working at once; the admin's own session is untouched.
    assert (await client.get("/api/v1/me", headers=target.headers)).status_code == 401
    assert (await client.get("/api/v1/me", headers=admin.headers)).status_code == 200
    session.expire_all()
    rows = (
        await session.execute(select(UserSession).where(col(UserSession.user_id) == target_id))
    ).scalars()
    assert {(s.revoked_reason, s.revoked_at is not None) for s in rows} == {("admin", True)}
    entry = (
        await session.execute(
            select(AuditEntry).where(col(AuditEntry.action) == "auth.session.revoked_all")
        )
    ).scalar_one()
    assert entry.actor_user_id == admin_id
    assert entry.target_id == str(target_id)
    # Each of the member's open pages hears that its session ended.
    events = (
        await session.execute(select(Event).where(col(Event.name) == "session.revoked"))
    ).scalars()
    assert {e.data["session_id"] for e in events} == {str(target_session_id), str(other_id)}

    # Nothing left to end: 0, and no new audit entry.
    r = await client.delete(f"/api/v1/users/{target_id}/sessions", headers=admin.headers)
    assert r.status_code == 200 and r.json() == {"revoked": 0}


async def test_only_admins_end_sessions_and_an_unknown_member_is_404(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_member(session, roles=["admin"])
    moderator = await make_member(session, roles=["moderator"])
    target = await make_member(session, roles=["officer"])
    await session.commit()
    for caller in (moderator, target):
        r = await client.delete(f"/api/v1/users/{target.id}/sessions", headers=caller.headers)
        assert r.status_code == 403, r.text
    assert (await client.get("/api/v1/me", headers=target.headers)).status_code == 200
    r = await client.delete(f"/api/v1/users/{uuid.uuid4()}/sessions", headers=admin.headers)
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
