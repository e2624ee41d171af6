""" "This contact failed" reports."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.audit import AuditEntry
from app.models.events import Event
from tests.factories import make_authority, make_member


async def test_report_flags_entry_for_focal_point_and_moderators(
    client: httpx.AsyncClient, session: AsyncSession
):
    authority = await make_authority(session, state_code="NGA")
    other = await make_authority(session, state_code="THA")
    reporter = await make_member(session, authority=other)
    focal = await make_member(session, authority=authority, focal_point=True)
    other_focal = await make_member(session, authority=other, focal_point=True)
    moderator = await make_member(session, roles=["moderator"])
    await session.commit()

    response = await client.post(
        f"/api/v1/authorities/{authority.id}/contact-failures",
        json={"channel": "email", "detail": "550 mailbox unavailable"},
        headers=reporter.headers,
    )
    assert response.status_code == 201, response.text
    report = response.json()
    assert report["reporter_user_id"] == str(reporter.id) and report["resolved_at"] is None
    events = (await session.execute(select(Event).order_by(Event.id))).scalars().all()
    assert [(e.name, e.audience_kind, e.audience_id) for e in events] == [
        ("directory.contact_failed", "authority", str(authority.id)),
        ("directory.contact_failed", "moderators", None),
    ]
    assert events[0].data == {"authority_id": str(authority.id), "report_id": report["id"]}
    [entry] = (
        (
            await session.execute(
                select(AuditEntry).where(AuditEntry.action == "directory.contact_failure.report")
            )
        )
        .scalars()
        .all()
    )
    assert entry.details == {"authority_id": str(authority.id), "channel": "email"}

    entry_view = await client.get(f"/api/v1/authorities/{authority.id}", headers=reporter.headers)
    assert entry_view.json()["open_failure_reports"] == 1

    # Who sees the reports.
    for member in (focal, moderator):
        listing = await client.get("/api/v1/directory/contact-failures", headers=member.headers)
        assert [r["id"] for r in listing.json()["items"]] == [report["id"]]
    listing = await client.get("/api/v1/directory/contact-failures", headers=other_focal.headers)
    assert listing.json()["items"] == []
    listing = await client.get("/api/v1/directory/contact-failures", headers=reporter.headers)
    assert listing.status_code == 200 and listing.json()["items"] == []
    url = f"/api/v1/authorities/{authority.id}/contact-failures"
    assert (await client.get(url, headers=other_focal.headers)).status_code == 403
    assert (await client.get(url, headers=focal.headers)).json()["items"][0][
        "detail"
    ] == "550 mailbox unavailable"

    # Who resolves them.
    resolve = f"/api/v1/directory/contact-failures/{report['id']}/resolve"
    assert (await client.post(resolve, json={}, headers=reporter.headers)).status_code == 403
    assert (await client.post(resolve, json={}, headers=other_focal.headers)).status_code == 403
    done = await client.post(
        resolve, json={"resolution": "New address saved"}, headers=focal.headers
    )
    assert done.status_code == 200 and done.json()["resolved_by"] == str(focal.id)
    assert (await client.post(resolve, json={}, headers=moderator.headers)).status_code == 409
    listing = await client.get("/api/v1/directory/contact-failures", headers=moderator.headers)
    assert listing.json()["items"] == []
    listing = await client.get(
        "/api/v1/directory/contact-failures", params={"status": "all"}, headers=moderator.headers
    )
    assert len(listing.json()["items"]) == 1
    denied = (
        (await session.execute(select(AuditEntry).where(AuditEntry.outcome == "denied")))
        .scalars()
        .all()
    )
    assert len(denied) == 3


async def test_report_validation_and_404(client: httpx.AsyncClient, session: AsyncSession):
    reader = await make_member(session)
    authority = await make_authority(session)
    await session.commit()
    url = f"/api/v1/authorities/{authority.id}/contact-failures"
    assert (
        await client.post(url, json={"channel": "pigeon"}, headers=reader.headers)
    ).status_code == 422
    missing = "/api/v1/authorities/00000000-0000-0000-0000-000000000000/contact-failures"
    assert (
        await client.post(missing, json={"channel": "email"}, headers=reader.headers)
    ).status_code == 404
    resolve = "/api/v1/directory/contact-failures/00000000-0000-0000-0000-000000000000/resolve"
    assert (await client.post(resolve, json={}, headers=reader.headers)).status_code == 404


async def test_report_idempotency(client: httpx.AsyncClient, session: AsyncSession):
    reader = await make_member(session)
    authority = await make_authority(session)
    await session.commit()
    url = f"/api/v1/authorities/{authority.id}/contact-failures"
    headers = {**reader.headers, "Idempotency-Key": "bounce-1"}
    first = await client.post(url, json={"channel": "phone"}, headers=headers)
    again = await client.post(url, json={"channel": "phone"}, headers=headers)
    assert first.json()["id"] == again.json()["id"]
    events = (await session.execute(select(Event))).scalars().all()
    assert len(events) == 2  # one report: its authority and the moderators
