"""Vetting failure paths and the reviewers' rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.identity import maintenance
from app.models.identity import Application, OneTimeToken, User, VettingStep
from tests.factories import make_authority, make_member
from tests.identity.helpers import application_body, audit_actions, mails_to, token_in
from tests.notifications.conftest import settle

APPLY = "/api/v1/auth/applications"


async def _applied(client: httpx.AsyncClient, session: AsyncSession, authority_id, email: str):
    r = await client.post(APPLY, json=application_body(authority_id, email))
    assert r.status_code == 201, r.text
    token = token_in((await mails_to(session, email))[-1].body, "verify-email")
    return r.json()["id"], token


async def test_password_policy_and_unknown_authority(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    authority = await make_authority(session)
    await session.commit()
    for password in ("short", "password123456", "Sunshine2024!!", "ana.pereira.secret"):
        body = application_body(authority.id, "ana.pereira@example.org", password=password)
        r = await client.post(APPLY, json=body)
        assert r.status_code == 422, password
        assert r.json()["errors"][0]["field"] == "password"
    body = application_body(
        "00000000-0000-0000-0000-000000000001", "x@example.org", handle="Bad Handle"
    )
    r = await client.post(APPLY, json=body)
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {"authority_id", "handle"}
    assert await mails_to(session, "x@example.org") == []


async def test_expired_verification_token(client: httpx.AsyncClient, session: AsyncSession):
    authority = await make_authority(session)
    await session.commit()
    _id, token = await _applied(client, session, authority.id, "late@example.org")
    await session.execute(
        update(OneTimeToken).values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
    )
    await session.commit()
    r = await client.post("/api/v1/auth/applications/verify", json={"token": token})
    assert r.status_code == 400
    r = await client.post("/api/v1/auth/applications/verify", json={"token": "made-up"})
    assert r.status_code == 400


async def test_existing_member_gets_the_same_answer(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    authority = await make_authority(session)
    member = await make_member(session, email="member@example.org")
    await session.commit()
    r = await client.post(APPLY, json=application_body(authority.id, member.user.email))
    assert r.status_code == 201 and r.json()["status"] == "pending_email"
    [mail] = await mails_to(session, member.user.email)
    assert "already belongs" in mail.body and "token=" not in mail.body
    assert await session.scalar(select(Application.id)) is None


async def test_reject_request_info_and_answer(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    authority = await make_authority(session)
    moderator = await make_member(session, roles=["moderator"])
    focal = await make_member(session, authority=authority, focal_point=True)
    other_focal = await make_member(
        session, authority=await make_authority(session), focal_point=True
    )
    officer = await make_member(session, authority=authority)
    await session.commit()
    app_id, token = await _applied(client, session, authority.id, "info@example.org")
    await client.post("/api/v1/auth/applications/verify", json={"token": token})
    decide = f"/api/v1/vetting/applications/{app_id}/decision"

    # a focal point of another authority does not see it; a plain officer is refused
    r = await client.get(f"/api/v1/vetting/applications/{app_id}", headers=other_focal.headers)
    assert r.status_code == 404
    r = await client.post(
        f"/api/v1/vetting/applications/{app_id}/endorse", json={}, headers=other_focal.headers
    )
    assert r.status_code == 404
    assert (
        await client.get("/api/v1/vetting/applications", headers=officer.headers)
    ).status_code == 403
    r = await client.post(
        f"/api/v1/vetting/applications/{app_id}/endorse", json={}, headers=moderator.headers
    )
    assert r.status_code == 403
    # a focal point may not decide; a reject or request needs a note
    r = await client.post(
        decide, json={"decision": "approve", "roles": ["officer"]}, headers=focal.headers
    )
    assert r.status_code == 403
    r = await client.post(decide, json={"decision": "reject"}, headers=moderator.headers)
    assert r.status_code == 422
    # moderators cannot hand out privileged roles at approval (four eyes goes through PATCH)
    r = await client.post(
        decide, json={"decision": "approve", "roles": ["moderator"]}, headers=moderator.headers
    )
    assert r.status_code == 422

    r = await client.post(
        f"/api/v1/vetting/applications/{app_id}/endorse",
        json={"endorsement": "unknown", "note": "Not in our staff list."},
        headers=focal.headers,
    )
    assert r.json()["endorsement"] == "unknown"
    r = await client.post(
        decide,
        json={"decision": "request_info", "note": "Which unit do you work in?"},
        headers=moderator.headers,
    )
    assert r.status_code == 200 and r.json()["status"] == "info_requested"
    mail = (await mails_to(session, "info@example.org"))[-1]
    assert "Which unit do you work in?" in mail.body
    info_token = token_in(mail.body, "provide-information")
    r = await client.post(
        "/api/v1/auth/applications/information",
        json={"token": info_token, "response": "The asset recovery unit."},
    )
    assert r.status_code == 200 and r.json()["status"] == "pending_review"
    assert [s["step"] for s in r.json()["steps"]][-3:] == [
        "unknown",
        "info_requested",
        "info_provided",
    ]
    assert "note" not in r.json()["steps"][-1]
    r = await client.post(
        "/api/v1/auth/applications/information",
        json={"token": info_token, "response": "again"},
    )
    assert r.status_code == 400

    r = await client.post(
        decide,
        json={"decision": "reject", "note": "The focal point does not know you."},
        headers=moderator.headers,
    )
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    mail = (await mails_to(session, "info@example.org"))[-1]
    assert "The focal point does not know you." in mail.body
    r = await client.post(
        decide, json={"decision": "approve", "roles": ["officer"]}, headers=moderator.headers
    )
    assert r.status_code == 409
    detail = await client.get(f"/api/v1/vetting/applications/{app_id}", headers=moderator.headers)
    steps = [s["step"] for s in detail.json()["steps"]]
    assert steps == [
        "applied",
        "email_verified",
        "unknown",
        "info_requested",
        "info_provided",
        "rejected",
    ]
    assert (
        await session.scalar(select(User.id).where(col(User.email) == "info@example.org")) is None
    )
    actions = await audit_actions(session)
    assert "vetting.application.rejected" in actions
    assert "vetting.application.info_requested" in actions


async def test_expiry_reminder_and_reattestation(
    client: httpx.AsyncClient, session: AsyncSession, db, settings
) -> None:
    moderator = await make_member(session, roles=["moderator"])
    soon = await make_member(session, vetting_expires_at=datetime.now(UTC) + timedelta(days=3))
    home = await make_authority(session)
    focal = await make_member(session, authority=home, focal_point=True)
    lapsed = await make_member(
        session, authority=home, vetting_expires_at=datetime.now(UTC) - timedelta(days=1)
    )
    old = Application(
        email="stale@example.org",
        handle="stale",
        full_name="Stale",
        position="x",
        justification="x",
        authority_id=(await make_authority(session)).id,
        password_hash="x",
        created_at=datetime.now(UTC) - timedelta(days=31),
    )
    session.add(old)
    await session.commit()

    await maintenance.run_once(db, settings)
    await settle(db, settings)  # the reminder is a notification, mailed by default
    [reminder] = await mails_to(session, soon.user.email)
    assert reminder.kind == "notification" and "re-attestation" in reminder.body
    await maintenance.run_once(db, settings)  # once per period
    await settle(db, settings)
    assert len(await mails_to(session, soon.user.email)) == 1
    assert await session.scalar(select(Application.id).where(col(Application.id) == old.id)) is None

    # an expired member may read /me but nothing else until re-attested
    me = await client.get("/api/v1/me", headers=lapsed.headers)
    assert me.status_code == 200 and me.json()["vetting_expired"] is True
    r = await client.post(f"/api/v1/users/{lapsed.id}/vouch", json={}, headers=focal.headers)
    assert r.status_code == 201 and r.json()["step"] == "vouched"
    r = await client.post(f"/api/v1/users/{lapsed.id}/vouch", json={}, headers=moderator.headers)
    assert r.status_code == 404  # not of the moderator's authority
    assert (await client.get("/api/v1/users", headers=lapsed.headers)).status_code == 403
    r = await client.post(
        f"/api/v1/users/{lapsed.id}/reattest",
        json={"checks": ["still in post, confirmed by focal point"]},
        headers=moderator.headers,
    )
    assert r.status_code == 200, r.text
    me = await client.get("/api/v1/me", headers=lapsed.headers)
    assert me.json()["vetting_expired"] is False
    step = await session.scalar(select(VettingStep).where(col(VettingStep.step) == "reattested"))
    assert step is not None and step.actor_user_id == moderator.id
