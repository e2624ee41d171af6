"""What the reviewers' pages need from the API: the focal point's endorsement queue, what a
reader may do to an application or a member (allowed_actions) and who took each step, the
members whose vetting lapses, suspension and reinstatement with a reason, and one's own
vetting as the applicant or member sees it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.auth.tokens import issue_access_token
from app.models.audit import AuditEntry
from app.models.identity import User, UserSession, VettingStep
from tests.factories import TEST_SECRET_KEY, Member, make_authority, make_member
from tests.identity.helpers import application_body, mails_to, token_in

APPLICATIONS = "/api/v1/vetting/applications"
MEMBERS = "/api/v1/vetting/members"


async def _in_review(
    client: httpx.AsyncClient, session: AsyncSession, authority_id: Any, email: str
) -> str:
    r = await client.post("/api/v1/auth/applications", json=application_body(authority_id, email))
    assert r.status_code == 201, r.text
    token = token_in((await mails_to(session, email))[-1].body, "verify-email")
    verified = await client.post("/api/v1/auth/applications/verify", json={"token": token})
    assert verified.status_code == 200, verified.text
    return str(r.json()["id"])


async def _entries(session: AsyncSession, action: str) -> list[AuditEntry]:
    statement = select(AuditEntry).where(col(AuditEntry.action) == action)
    return list((await session.execute(statement)).scalars().all())


async def test_the_endorsement_queue_and_what_each_reviewer_may_do(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    home = await make_authority(session)
    elsewhere = await make_authority(session)
    focal = await make_member(session, authority=home, focal_point=True, full_name="Ines Focal")
    moderator = await make_member(session, roles=["moderator"])
    officer = await make_member(session, authority=home)
    await session.commit()
    first = await _in_review(client, session, home.id, "first@example.org")
    second = await _in_review(client, session, home.id, "second@example.org")
    other = await _in_review(client, session, elsewhere.id, "other@example.org")

    r = await client.post(
        f"{APPLICATIONS}/{first}/endorse", json={"endorsement": "endorse"}, headers=focal.headers
    )
    assert r.status_code == 200, r.text
    # The endorsement step says who took it, by name.
    endorsed = next(s for s in r.json()["steps"] if s["step"] == "endorsed")
    assert endorsed["actor"] == {
        "id": str(focal.id),
        "handle": focal.user.handle,
        "full_name": "Ines Focal",
    }

    # The focal point's endorsement queue: their authority's, not yet answered.
    r = await client.get(APPLICATIONS, params={"queue": "endorse"}, headers=focal.headers)
    assert r.status_code == 200, r.text
    assert [a["id"] for a in r.json()["items"]] == [second]
    assert r.json()["items"][0]["allowed_actions"] == ["endorse"]
    # Their whole queue still holds both, each with what they may do.
    r = await client.get(APPLICATIONS, headers=focal.headers)
    assert {a["id"]: a["allowed_actions"] for a in r.json()["items"]} == {
        first: ["endorse"],
        second: ["endorse"],
    }
    # Moderators and officers have no endorsement queue.
    for refused in (moderator, officer):
        r = await client.get(APPLICATIONS, params={"queue": "endorse"}, headers=refused.headers)
        assert r.status_code == 403, r.text

    # A moderator may decide on every application, and endorse none.
    r = await client.get(APPLICATIONS, headers=moderator.headers)
    assert {a["id"]: a["allowed_actions"] for a in r.json()["items"]} == {
        first: ["approve", "reject", "request_info"],
        second: ["approve", "reject", "request_info"],
        other: ["approve", "reject", "request_info"],
    }
    r = await client.post(
        f"{APPLICATIONS}/{first}/decision",
        json={"decision": "approve", "roles": ["officer"], "checks": ["identity confirmed"]},
        headers=moderator.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["allowed_actions"] == []
    approved = r.json()["steps"][-1]
    assert approved["step"] == "approved" and approved["actor"]["id"] == str(moderator.id)
    r = await client.get(f"{APPLICATIONS}/{first}", headers=focal.headers)
    assert r.json()["allowed_actions"] == [] and r.json()["status"] == "approved"


async def test_members_by_vetting_expiry(client: httpx.AsyncClient, session: AsyncSession) -> None:
    now = datetime.now(UTC)
    moderator = await make_member(session, roles=["moderator"])
    admin = await make_member(session, roles=["admin"])
    lapsed = [
        await make_member(session, vetting_expires_at=now - timedelta(days=d)) for d in (40, 2)
    ]
    soon = [await make_member(session, vetting_expires_at=now + timedelta(days=d)) for d in (3, 20)]
    await make_member(session, vetting_expires_at=now + timedelta(days=200))
    await session.commit()

    r = await client.get(MEMBERS, headers=moderator.headers)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [i["id"] for i in items] == [str(m.id) for m in lapsed + soon]
    assert [i["vetting_lapsed"] for i in items] == [True, True, False, False]

    r = await client.get(MEMBERS, params={"lapse": "lapsed"}, headers=moderator.headers)
    assert [i["id"] for i in r.json()["items"]] == [str(m.id) for m in lapsed]
    r = await client.get(
        MEMBERS, params={"lapse": "soon", "within_days": 10}, headers=moderator.headers
    )
    assert [i["id"] for i in r.json()["items"]] == [str(soon[0].id)]

    # Paged by expiry with the cursor of the previous page.
    seen: list[str] = []
    cursor = None
    while True:
        r = await client.get(
            MEMBERS,
            params={"limit": 1, **({"cursor": cursor} if cursor else {})},
            headers=moderator.headers,
        )
        assert r.status_code == 200, r.text
        seen += [i["id"] for i in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == [str(m.id) for m in lapsed + soon]
    r = await client.get(MEMBERS, params={"cursor": "garbage"}, headers=moderator.headers)
    assert r.status_code == 400

    # Moderators only: admins manage members, they do not vet them.
    assert (await client.get(MEMBERS, headers=admin.headers)).status_code == 403


async def test_a_moderator_suspends_and_reinstates_with_a_reason(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    moderator = await make_member(session, roles=["moderator"])
    officer = await make_member(session)
    await session.commit()
    record = f"/api/v1/users/{officer.id}/vetting"
    r = await client.get(record, headers=moderator.headers)
    assert r.json()["allowed_actions"] == ["reattest", "suspend"]

    r = await client.post(
        f"/api/v1/users/{officer.id}/suspend", json={"reason": "  "}, headers=moderator.headers
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = await client.post(
        f"/api/v1/users/{officer.id}/suspend",
        json={"reason": "Shared their account with a colleague."},
        headers=moderator.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "suspended"
    # Their sessions end with the suspension.
    live = await session.scalar(
        select(UserSession.id).where(
            col(UserSession.user_id) == officer.id, col(UserSession.revoked_at).is_(None)
        )
    )
    assert live is None
    again = await client.post(
        f"/api/v1/users/{officer.id}/suspend", json={"reason": "x"}, headers=moderator.headers
    )
    assert again.status_code == 409

    r = await client.get(record, headers=moderator.headers)
    assert r.json()["allowed_actions"] == ["reattest", "reinstate"]
    r = await client.post(
        f"/api/v1/users/{officer.id}/reinstate",
        json={"reason": "New account rules explained; they agreed."},
        headers=moderator.headers,
    )
    assert r.status_code == 200 and r.json()["status"] == "active"

    # The vetting record keeps both, with who and why.
    r = await client.get(record, headers=moderator.headers)
    steps = [(s["step"], s["note"], s["actor"]["id"]) for s in r.json()["steps"]]
    assert steps == [
        ("suspended", "Shared their account with a colleague.", str(moderator.id)),
        ("reinstated", "New account rules explained; they agreed.", str(moderator.id)),
    ]
    [suspended] = await _entries(session, "user.suspended")
    assert suspended.details == {"reason": "Shared their account with a colleague."}
    assert suspended.changes == {"status": {"old": "active", "new": "suspended"}}
    assert len(await _entries(session, "user.reinstated")) == 1


async def test_who_may_suspend_whom(client: httpx.AsyncClient, session: AsyncSession) -> None:
    moderator = await make_member(session, roles=["moderator"])
    other_moderator = await make_member(session, roles=["moderator"])
    admin = await make_member(session, roles=["admin"])
    officer = await make_member(session)
    auditor = await make_member(session, roles=["auditor"])
    await session.commit()

    def suspend(actor: Member, target: Member) -> Any:
        return client.post(
            f"/api/v1/users/{target.id}/suspend", json={"reason": "r"}, headers=actor.headers
        )

    # Not oneself; a moderator not an admin or another moderator (the denial is recorded).
    assert (await suspend(moderator, moderator)).status_code == 403
    for privileged in (other_moderator, admin):
        r = await suspend(moderator, privileged)
        assert r.status_code == 403, r.text
    denied = await _entries(session, "user.suspend")
    assert {e.outcome for e in denied} == {"denied"} and len(denied) == 2
    r = await client.get(f"/api/v1/users/{admin.id}/vetting", headers=moderator.headers)
    assert r.json()["allowed_actions"] == ["reattest"]
    # Other roles cannot suspend at all; an unknown member is 404.
    assert (await suspend(officer, auditor)).status_code == 403
    assert (await suspend(auditor, officer)).status_code == 403
    r = await client.post(
        "/api/v1/users/00000000-0000-0000-0000-000000000001/suspend",
        json={"reason": "r"},
        headers=moderator.headers,
    )
    assert r.status_code == 404
    # An admin may suspend a moderator.
    assert (await suspend(admin, other_moderator)).status_code == 200
    status = await session.scalar(select(User.status).where(col(User.id) == other_moderator.id))
    assert status == "suspended"


async def test_my_own_vetting_shows_steps_without_the_reviewers_notes(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    authority = await make_authority(session)
    focal = await make_member(session, authority=authority, focal_point=True)
    moderator = await make_member(session, roles=["moderator"])
    await session.commit()
    app_id = await _in_review(client, session, authority.id, "applicant@example.org")
    await client.post(
        f"{APPLICATIONS}/{app_id}/endorse",
        json={"endorsement": "endorse", "note": "Sits two doors down."},
        headers=focal.headers,
    )
    r = await client.post(
        f"{APPLICATIONS}/{app_id}/decision",
        json={"decision": "approve", "roles": ["officer"], "note": "Internal remark."},
        headers=moderator.headers,
    )
    user = await session.get(User, uuid.UUID(r.json()["user_id"]))
    assert user is not None
    # A session of the new member, as signing in would make.
    signed_in = UserSession(user_id=user.id, expires_at=datetime.now(UTC) + timedelta(hours=1))
    session.add(signed_in)
    await session.commit()
    token, _ = issue_access_token(
        TEST_SECRET_KEY, user_id=user.id, session_id=signed_in.id, ttl=timedelta(minutes=5)
    )
    headers = {"Authorization": f"Bearer {token}"}

    r = await client.get("/api/v1/me/vetting", headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "active" and body["vetting_expired"] is False
    assert [(s["step"], s["roles"]) for s in body["steps"]] == [
        ("applied", []),
        ("email_verified", []),
        ("endorsed", []),
        ("approved", ["officer"]),
    ]
    assert all(set(s) == {"step", "roles", "created_at"} for s in body["steps"])

    # A lapsed vetting does not hide it.
    user.vetting_expires_at = datetime.now(UTC) - timedelta(days=1)
    session.add(VettingStep(user_id=user.id, step="reminded"))
    await session.commit()
    r = await client.get("/api/v1/me/vetting", headers=headers)
    assert r.status_code == 200 and r.json()["vetting_expired"] is True
    assert r.json()["steps"][-1]["step"] == "reminded"
