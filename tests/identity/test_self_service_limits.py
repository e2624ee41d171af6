"""Nobody grants themselves need-to-know: no own authority move, no own re-attestation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.models.identity import User
from tests.factories import make_authority, make_member


async def test_an_admin_cannot_move_themselves_to_another_authority(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    home = await make_authority(session, state_code="FRA")
    other = await make_authority(session, state_code="DEU")
    admin = await make_member(session, roles=["admin", "officer"], authority=home)
    admin_id, home_id = admin.id, home.id
    await session.commit()
    r = await client.patch(
        f"/api/v1/users/{admin.id}", json={"authority_id": str(other.id)}, headers=admin.headers
    )
    assert r.status_code == 403, r.text
    stored = await session.scalar(select(User.authority_id).where(col(User.id) == admin_id))
    assert stored == home_id


async def test_a_moderator_cannot_reattest_their_own_vetting(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    soon = datetime.now(UTC) + timedelta(days=2)
    moderator = await make_member(session, roles=["moderator"], vetting_expires_at=soon)
    other = await make_member(session, roles=["moderator"])
    moderator_id = moderator.id
    await session.commit()
    r = await client.post(
        f"/api/v1/users/{moderator.id}/reattest", json={"checks": []}, headers=moderator.headers
    )
    assert r.status_code == 403, r.text
    expires = await session.scalar(
        select(User.vetting_expires_at).where(col(User.id) == moderator_id)
    )
    assert expires is not None and expires < datetime.now(UTC) + timedelta(days=3)
    # a second moderator may
    r = await client.post(
        f"/api/v1/users/{moderator.id}/reattest", json={"checks": []}, headers=other.headers
    )
    assert r.status_code == 200, r.text
