"""Approval needs the focal point's endorsement, or a moderator's stated reason to go without.

Also: the decision answers with the application's steps, exactly as GET shows them.
"""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.models.audit import AuditEntry
from app.models.identity import Application, User, VettingStep
from tests.factories import Member, make_authority, make_member
from tests.identity.helpers import application_body, mails_to, token_in

APPLICATIONS = "/api/v1/vetting/applications"
REASON = "The authority has no focal point yet; identity confirmed by phone with its head."


async def _in_review(client: httpx.AsyncClient, session: AsyncSession, authority_id: Any) -> str:
    """An application verified and waiting for review; its id."""
    email = f"applicant.{authority_id.hex[:8]}@example.org"
    r = await client.post("/api/v1/auth/applications", json=application_body(authority_id, email))
    assert r.status_code == 201, r.text
    token = token_in((await mails_to(session, email))[-1].body, "verify-email")
    verified = await client.post("/api/v1/auth/applications/verify", json={"token": token})
    assert verified.status_code == 200, verified.text
    return str(r.json()["id"])


async def _approve(
    client: httpx.AsyncClient, moderator: Member, app_id: str, **extra: Any
) -> httpx.Response:
    return await client.post(
        f"{APPLICATIONS}/{app_id}/decision",
        json={"decision": "approve", "roles": ["officer"], **extra},
        headers=moderator.headers,
    )


async def _approvals(session: AsyncSession) -> list[AuditEntry]:
    return list(
        (
            await session.execute(
                select(AuditEntry).where(col(AuditEntry.action) == "vetting.application.approved")
            )
        )
        .scalars()
        .all()
    )


async def _queue_item(
    client: httpx.AsyncClient, reviewer: Member, app_id: str, status: str
) -> dict[str, Any]:
    r = await client.get(APPLICATIONS, params={"status": status}, headers=reviewer.headers)
    assert r.status_code == 200, r.text
    [item] = [a for a in r.json()["items"] if a["id"] == app_id]
    return dict(item)


async def test_approval_without_endorsement_or_reason_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    authority = await make_authority(session)
    moderator = await make_member(session, roles=["moderator"])
    focal = await make_member(session, authority=authority, focal_point=True)
    await session.commit()
    app_id = await _in_review(client, session, authority.id)

    item = await _queue_item(client, moderator, app_id, "pending_review")
    assert item["endorsement"] is None and item["focal_point_endorsed"] is False

    r = await _approve(client, moderator, app_id)
    assert r.status_code == 409, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["type"] == "urn:canet:problem:endorsement-required"
    assert problem["status"] == 409
    assert "endorsement_override_reason" in problem["detail"]

    # "I do not know this person" is no endorsement either.
    r = await client.post(
        f"{APPLICATIONS}/{app_id}/endorse",
        json={"endorsement": "unknown", "note": "Not in our staff list."},
        headers=focal.headers,
    )
    assert r.status_code == 200, r.text
    r = await _approve(client, moderator, app_id)
    assert r.status_code == 409 and r.json()["type"].endswith(":endorsement-required")
    assert "does not know the applicant" in r.json()["detail"]

    # A blank reason is no reason; a reason only goes with an approval.
    r = await _approve(client, moderator, app_id, endorsement_override_reason="   ")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "endorsement_override_reason"
    r = await client.post(
        f"{APPLICATIONS}/{app_id}/decision",
        json={"decision": "reject", "note": "No.", "endorsement_override_reason": REASON},
        headers=moderator.headers,
    )
    assert r.status_code == 422
    r = await _approve(client, moderator, app_id, endorsement_override_reason="x" * 1001)
    assert r.status_code == 422

    session.expire_all()
    application = await session.get(Application, app_id)
    assert application is not None
    assert application.status == "pending_review" and application.user_id is None
    assert application.endorsement_override_reason is None
    assert await session.scalar(select(User.id).where(col(User.email) == application.email)) is None
    steps = (
        await session.execute(
            select(VettingStep.step).where(col(VettingStep.application_id) == application.id)
        )
    ).scalars()
    assert "approved" not in list(steps)
    assert await _approvals(session) == []


async def test_approval_with_a_reason_is_recorded_in_the_record_the_audit_log_and_the_queue(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    authority = await make_authority(session)  # no focal point at all
    moderator = await make_member(session, roles=["moderator"])
    await session.commit()
    app_id = await _in_review(client, session, authority.id)

    r = await _approve(
        client,
        moderator,
        app_id,
        endorsement_override_reason=f"  {REASON} ",
        checks=["identity confirmed by phone"],
    )
    assert r.status_code == 200, r.text
    decided = r.json()
    assert decided["status"] == "approved"
    assert decided["endorsement_overridden"] is True
    assert decided["endorsement_override_reason"] == REASON
    assert decided["focal_point_endorsed"] is False

    # The decision answers with the steps, exactly as GET shows them (never null).
    shown = await client.get(f"{APPLICATIONS}/{app_id}", headers=moderator.headers)
    assert decided["steps"] is not None
    assert decided["steps"] == shown.json()["steps"]
    assert decided == shown.json()
    approved = decided["steps"][-1]
    assert approved["step"] == "approved" and approved["roles"] == ["officer"]
    assert approved["endorsement_override_reason"] == REASON
    assert approved["actor_user_id"] == str(moderator.id)

    # The member's vetting record keeps it.
    member_id = decided["user_id"]
    record = await client.get(f"/api/v1/users/{member_id}/vetting", headers=moderator.headers)
    assert record.status_code == 200, record.text
    [step] = [s for s in record.json()["steps"] if s["step"] == "approved"]
    assert step["endorsement_override_reason"] == REASON
    assert record.json()["applications"][0]["endorsement_overridden"] is True

    # The audit entry says the focal point had not endorsed and why the moderator went ahead.
    [entry] = await _approvals(session)
    assert entry.actor_user_id == moderator.id
    assert entry.details is not None
    assert entry.details["endorsement"] is None
    assert entry.details["endorsement_override_reason"] == REASON

    # The queue of decided applications shows the override and its reason.
    item = await _queue_item(client, moderator, app_id, "approved")
    assert item["endorsement_overridden"] is True
    assert item["endorsement_override_reason"] == REASON
    assert item["focal_point_endorsed"] is False


async def test_endorsed_application_is_approved_without_an_override(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    authority = await make_authority(session)
    moderator = await make_member(session, roles=["moderator"])
    focal = await make_member(session, authority=authority, focal_point=True)
    await session.commit()
    app_id = await _in_review(client, session, authority.id)

    r = await client.post(
        f"{APPLICATIONS}/{app_id}/endorse",
        json={"note": "Works in my unit."},
        headers=focal.headers,
    )
    assert r.status_code == 200, r.text
    # The endorsement answers with the steps too.
    assert [s["step"] for s in r.json()["steps"]] == ["applied", "email_verified", "endorsed"]
    item = await _queue_item(client, focal, app_id, "pending_review")
    assert item["focal_point_endorsed"] is True and item["endorsement_overridden"] is False

    # Nothing to override: a reason here would record an override that never happened.
    r = await _approve(client, moderator, app_id, endorsement_override_reason=REASON)
    assert r.status_code == 409 and r.json()["type"].endswith(":endorsement-present")

    r = await _approve(client, moderator, app_id)
    assert r.status_code == 200, r.text
    decided = r.json()
    assert decided["endorsement_overridden"] is False
    assert decided["endorsement_override_reason"] is None
    assert [s["step"] for s in decided["steps"]] == [
        "applied",
        "email_verified",
        "endorsed",
        "approved",
    ]
    shown = await client.get(f"{APPLICATIONS}/{app_id}", headers=moderator.headers)
    assert decided["steps"] == shown.json()["steps"]
    [entry] = await _approvals(session)
    assert entry.details is not None
    assert entry.details["endorsement"] == "endorsed"
    assert "endorsement_override_reason" not in entry.details
