"""Staleness: flags, reminders to focal points, reset by verification."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.core import journal
from app.db import Database
from app.directory.settings import DirectorySettings
from app.directory.staleness import remind_stale, run_once
from app.models.audit import AuditEntry
from app.models.directory import Authority
from app.models.events import Event
from app.models.mail import OutgoingMail
from tests.factories import make_authority, make_member, make_requirement_sheet
from tests.notifications.conftest import settle


async def test_reminders_go_to_focal_points_once(session: AsyncSession) -> None:
    old = datetime.now(UTC) - timedelta(days=400)
    stale = await make_authority(session, state_code="BRA", name="Stale Office")
    stale.last_verified_at = old
    fresh = await make_authority(session, state_code="BRA", name="Fresh Office")
    fresh.last_verified_at = datetime.now(UTC)
    session.add_all([stale, fresh])
    await make_member(session, authority=stale, focal_point=True, email="focal@example.org")
    await make_member(session, authority=stale, email="not-focal@example.org")
    fresh_focal = await make_member(
        session, authority=fresh, focal_point=True, email="fresh@example.org"
    )
    sheet = await make_requirement_sheet(session, state_code="BRA", last_verified_at=old)
    await make_requirement_sheet(session, state_code="BRA", request_type="extradition")
    await session.commit()

    done = await remind_stale(session)
    assert done.authorities == [stale.id] and done.sheets == [sheet.id]
    # The directory queues no mail of its own: the deriver mails the notifications these
    # events make, under each focal point's preferences (tests/notifications/test_producers).
    assert (await session.execute(select(OutgoingMail))).scalars().all() == []
    await journal.flush(session)  # the events and audit entries, read back below
    events = (
        (await session.execute(select(Event).where(Event.name == "directory.stale")))
        .scalars()
        .all()
    )
    assert {(e.audience_kind, e.audience_id) for e in events} == {
        ("authority", str(stale.id)),
        ("authority", str(fresh.id)),
    }
    audits = (
        (
            await session.execute(
                select(AuditEntry).where(AuditEntry.action == "directory.stale.remind")
            )
        )
        .scalars()
        .all()
    )
    assert {a.target_type for a in audits} == {"authority", "requirement_sheet"}
    await session.commit()

    # Not again before remind_every_days...
    again = await remind_stale(session)
    assert again.authorities == [] and again.sheets == []
    # ...but again after it.
    later = datetime.now(UTC) + timedelta(days=31)
    again = await remind_stale(session, now=later)
    assert stale.id in again.authorities
    assert fresh_focal.id


async def test_staleness_is_configurable(session: AsyncSession) -> None:
    authority = await make_authority(session)
    authority.last_verified_at = datetime.now(UTC) - timedelta(days=40)
    session.add(authority)
    await session.commit()
    default = await remind_stale(session)
    assert default.authorities == []
    strict = await remind_stale(session, settings=DirectorySettings(stale_after_days=30))
    assert strict.authorities == [authority.id]


async def test_verification_clears_stale_flag(
    client: httpx.AsyncClient, session: AsyncSession, db: Database
):
    authority = await make_authority(session)
    focal = await make_member(session, authority=authority, focal_point=True)
    await session.commit()
    assert (await run_once(db)) is not None
    url = f"/api/v1/authorities/{authority.id}"
    assert (await client.get(url, headers=focal.headers)).json()["stale"] is True
    assert (await client.post(f"{url}/verify", headers=focal.headers)).status_code == 200
    assert (await client.get(url, headers=focal.headers)).json()["stale"] is False
    await session.refresh(authority)
    refreshed = await session.get(Authority, authority.id)
    assert refreshed is not None and refreshed.stale_reminded_at is None


async def test_stale_reminders_link_to_the_entry_and_to_that_very_sheet(
    client: httpx.AsyncClient, session: AsyncSession, db: Database, settings: Settings
) -> None:
    old = datetime.now(UTC) - timedelta(days=400)
    authority = await make_authority(session, state_code="FRA")
    authority.last_verified_at = old
    session.add(authority)
    focal = await make_member(session, authority=authority, focal_point=True)
    await make_requirement_sheet(session, state_code="FRA", request_type="mla")
    await make_requirement_sheet(
        session, state_code="FRA", request_type="mla", measure="freezing", last_verified_at=old
    )
    await session.commit()
    async with db.transaction() as tx:
        await remind_stale(tx)
    await settle(db, settings)
    listed = await client.get("/api/v1/notifications", headers=focal.headers)
    links = {n["title"]: n["url"] for n in listed.json()["items"]}
    # Not the general sheet of the type, which is up to date: the one that is stale.
    assert links == {
        f"The directory entry of {authority.name} needs verifying": f"/authorities/{authority.id}",
        "The mla (freezing) requirement sheet of FRA needs verifying": (
            "/states/FRA/requirements/mla?measure=freezing"
        ),
    }
    # The mails the notifications make (email by default) carry the same links.
    async with db.sessionmaker() as s:
        bodies = (await s.execute(select(OutgoingMail.body))).scalars().all()
    assert any(f"/authorities/{authority.id}" in body for body in bodies)
    assert any("/states/FRA/requirements/mla?measure=freezing" in body for body in bodies)
