"""The whole journey: apply -> verify -> endorse -> approve -> enroll -> sign in -> refresh ->
refresh-token reuse detected -> suspended -> refused everywhere."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.config import Settings
from app.db import Database
from app.identity import mfa
from app.models.events import Event
from app.models.identity import Application, User, VettingStep
from tests.factories import make_authority, make_member
from tests.identity.helpers import (
    PASSWORD,
    application_body,
    audit_actions,
    bearer,
    code_for,
    mails_to,
    token_in,
)
from tests.notifications.conftest import settle


async def test_full_journey(
    client: httpx.AsyncClient, session: AsyncSession, db: Database, settings: Settings
) -> None:
    authority = await make_authority(session, state_code="PRT")
    focal = await make_member(session, authority=authority, focal_point=True)
    moderator = await make_member(session, roles=["moderator"])
    admin = await make_member(session, roles=["admin"])
    await session.commit()
    email = "ana.pereira@pgr.example.pt"

    # apply
    r = await client.post("/api/v1/auth/applications", json=application_body(authority.id, email))
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "pending_email"
    application_id = r.json()["id"]
    [mail] = await mails_to(session, email)
    assert PASSWORD not in mail.body
    token = token_in(mail.body, "verify-email")

    # verify (single use)
    r = await client.post("/api/v1/auth/applications/verify", json={"token": token})
    assert r.status_code == 200 and r.json()["status"] == "pending_review"
    # The applicant sees where the application stands: the steps so far, without notes.
    assert [(s["step"], s["roles"]) for s in r.json()["steps"]] == [
        ("applied", []),
        ("email_verified", []),
    ]
    again = await client.post("/api/v1/auth/applications/verify", json={"token": token})
    assert again.status_code == 400
    # The focal point is asked to endorse through a notification, mailed by default.
    await settle(db, settings)
    [asked] = await mails_to(session, focal.user.email)
    assert asked.kind == "notification" and "endorse" in asked.subject

    # the focal point sees it in their queue and endorses it
    queue = await client.get("/api/v1/vetting/applications", headers=focal.headers)
    assert [a["id"] for a in queue.json()["items"]] == [application_id]
    r = await client.post(
        f"/api/v1/vetting/applications/{application_id}/endorse",
        json={"note": "Works in my unit."},
        headers=focal.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["endorsement"] == "endorsed"

    # the moderator approves it with a role and the checks they ticked
    r = await client.post(
        f"/api/v1/vetting/applications/{application_id}/decision",
        json={
            "decision": "approve",
            "roles": ["officer"],
            "checks": ["identity confirmed with focal point", "official email domain"],
        },
        headers=moderator.headers,
    )
    assert r.status_code == 200, r.text
    user_id = r.json()["user_id"]
    assert "approved" in (await mails_to(session, email))[-1].subject

    # first sign-in forces TOTP enrollment
    r = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200
    assert r.json()["status"] == "mfa_enrollment_required"
    challenge = r.json()["challenge_token"]
    r = await client.post("/api/v1/auth/mfa/enroll", json={"challenge_token": challenge})
    assert r.status_code == 200
    secret = r.json()["secret"]
    assert r.json()["otpauth_uri"].startswith("otpauth://totp/canet:")
    r = await client.post(
        "/api/v1/auth/mfa/verify", json={"challenge_token": challenge, "code": code_for(secret)}
    )
    assert r.status_code == 200, r.text
    tokens = r.json()
    assert tokens["token_type"] == "bearer"
    assert len(tokens["recovery_codes"]) == 10
    # the challenge is single use
    r = await client.post(
        "/api/v1/auth/mfa/verify", json={"challenge_token": challenge, "code": code_for(secret)}
    )
    assert r.status_code == 401

    me = await client.get("/api/v1/me", headers=bearer(tokens))
    assert me.status_code == 200
    body = me.json()
    assert body["id"] == user_id and body["roles"] == ["officer"]
    assert body["authority"] == {
        "id": str(authority.id),
        "name": authority.name,
        "state_code": "PRT",
    }
    assert body["handle"] == "ana.pereira" and body["status"] == "active"

    # the vetting record has every step
    record = await client.get(f"/api/v1/users/{user_id}/vetting", headers=moderator.headers)
    assert record.status_code == 200
    steps = [s["step"] for s in record.json()["steps"]]
    assert steps == ["applied", "email_verified", "endorsed", "approved"]
    approved = record.json()["steps"][-1]
    assert approved["actor_user_id"] == str(moderator.id)
    assert "identity confirmed with focal point" in approved["checks"]

    # refresh rotates; the spent token presented again revokes the session
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert r.status_code == 200
    fresh = r.json()
    assert fresh["refresh_token"] != tokens["refresh_token"]
    assert (await client.get("/api/v1/me", headers=bearer(fresh))).status_code == 200
    reuse = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert reuse.status_code == 401
    assert (await client.get("/api/v1/me", headers=bearer(fresh))).status_code == 401
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": fresh["refresh_token"]})
    assert r.status_code == 401
    revoked = (
        (await session.execute(select(Event).where(col(Event.name) == "session.revoked")))
        .scalars()
        .all()
    )
    assert [e.audience_id for e in revoked] == [user_id]

    # sign in again: the TOTP code already used is refused (replay), a recovery code works once
    r = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert r.json()["status"] == "mfa_required"
    challenge = r.json()["challenge_token"]
    session.expire_all()
    user = await session.get(User, user_id)
    assert user is not None and user.totp_last_step is not None
    replay = mfa.code_at_step(secret, user.totp_last_step)
    r = await client.post(
        "/api/v1/auth/mfa/verify", json={"challenge_token": challenge, "code": replay}
    )
    assert r.status_code == 401
    recovery = tokens["recovery_codes"][0]
    r = await client.post(
        "/api/v1/auth/mfa/verify", json={"challenge_token": challenge, "code": recovery}
    )
    assert r.status_code == 200, r.text
    live = r.json()
    r = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    r = await client.post(
        "/api/v1/auth/mfa/verify",
        json={"challenge_token": r.json()["challenge_token"], "code": recovery},
    )
    assert r.status_code == 401

    # suspension: every session ends, sign-in is refused like a wrong password
    r = await client.patch(
        f"/api/v1/users/{user_id}", json={"status": "suspended"}, headers=admin.headers
    )
    assert r.status_code == 200 and r.json()["status"] == "suspended"
    assert (await client.get("/api/v1/me", headers=bearer(live))).status_code == 401
    r = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 401
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": live["refresh_token"]})
    assert r.status_code == 401

    actions = await audit_actions(session)
    for expected in (
        "vetting.application.submitted",
        "vetting.application.email_verified",
        "vetting.application.endorsed",
        "vetting.application.approved",
        "auth.mfa.enrolled",
        "auth.login",
        "auth.refresh.reuse_detected",
        "auth.session.revoked",
        "auth.mfa.failed",
        "user.updated",
        "auth.session.revoked_all",
        "auth.login.failed",
    ):
        assert expected in actions, expected
    application = await session.get(Application, application_id)
    assert application is not None and application.status == "approved"
    assert (await session.scalar(select(VettingStep.id).limit(1))) is not None
