"""Producers publish the events the notification rules understand, and the right members hear.

Each test drives the producing domain through its API (or its background job), then checks
the stored event and the notification derived from it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.cases.due_dates import today
from app.cases.settings import get_cases_settings
from app.cases.tasks import check_deadlines, flag_near_deadlines
from app.config import Settings
from app.db import Database
from app.directory.staleness import remind_stale
from app.models.events import Event
from app.models.identity import Application
from app.models.mail import OutgoingMail
from tests.cases.conftest import Network, act_ok, net, submitted_case  # noqa: F401 -- fixture
from tests.factories import make_authority, make_forum, make_member, make_requirement_sheet
from tests.forums.helpers import reply, start_thread
from tests.identity.helpers import application_body, mails_to, token_in
from tests.notifications.conftest import notifications_of, settle


async def _events(db: Database, name: str) -> list[Event]:
    async with db.sessionmaker() as s:
        rows = await s.execute(select(Event).where(col(Event.name) == name).order_by(col(Event.id)))
        return list(rows.scalars())


def _where(event: Event) -> tuple[str, str | None, dict[str, Any]]:
    return event.audience_kind, event.audience_id, event.data


async def test_vetting_queue_and_decisions_notify_moderators_and_the_member(
    client: httpx.AsyncClient, session: AsyncSession, db: Database, settings: Settings
) -> None:
    authority = await make_authority(session)
    moderator = await make_member(session, roles=["moderator"])
    officer = await make_member(session)
    await session.commit()
    email = "new.member@example.org"
    applied = await client.post(
        "/api/v1/auth/applications", json=application_body(authority.id, email)
    )
    assert applied.status_code == 201, applied.text
    app_id = applied.json()["id"]
    token = token_in((await mails_to(session, email))[-1].body, "verify-email")
    assert await _events(db, "application.ready_for_review") == []  # not before verification

    r = await client.post("/api/v1/auth/applications/verify", json={"token": token})
    assert r.status_code == 200, r.text
    [ready] = await _events(db, "application.ready_for_review")
    assert _where(ready) == ("moderators", None, {"application_id": app_id})
    await settle(db, settings)
    [waiting] = await notifications_of(db, moderator.id)
    assert (waiting.type, waiting.subject_id) == ("moderation_application", app_id)
    assert await notifications_of(db, officer.id) == []

    # The applicant's answer to a question puts the application back in the queue.
    decide = f"/api/v1/vetting/applications/{app_id}/decision"
    r = await client.post(
        decide, json={"decision": "request_info", "note": "Which unit?"}, headers=moderator.headers
    )
    assert r.status_code == 200, r.text
    info_token = token_in((await mails_to(session, email))[-1].body, "provide-information")
    r = await client.post(
        "/api/v1/auth/applications/information",
        json={"token": info_token, "response": "Asset recovery."},
    )
    assert r.status_code == 200, r.text
    assert len(await _events(db, "application.ready_for_review")) == 2
    await settle(db, settings)
    assert [n.type for n in await notifications_of(db, moderator.id)] == [
        "moderation_application",
        "moderation_application",
    ]

    # The authority has no focal point to endorse the applicant: the moderator says so.
    r = await client.post(
        decide,
        json={
            "decision": "approve",
            "roles": ["officer"],
            "endorsement_override_reason": "The authority has no focal point yet.",
        },
        headers=moderator.headers,
    )
    assert r.status_code == 200, r.text
    async with db.sessionmaker() as s:
        member_id = await s.scalar(select(Application.user_id).where(col(Application.id) == app_id))
    assert member_id is not None
    [approved] = await _events(db, "vetting.decided")
    assert _where(approved) == (
        "user",
        str(member_id),
        {"application_id": app_id, "user_id": str(member_id), "decision": "approve"},
    )
    await settle(db, settings)
    [decision] = await notifications_of(db, member_id)
    assert decision.type == "vetting_decision"
    assert decision.data == {
        "application_id": app_id,
        "user_id": str(member_id),
        "decision": "approve",
    }

    # A re-attestation is a decision on the membership too.
    r = await client.post(
        f"/api/v1/users/{member_id}/reattest",
        json={"checks": ["still in post"]},
        headers=moderator.headers,
    )
    assert r.status_code == 200, r.text
    reattested = (await _events(db, "vetting.decided"))[-1]
    assert _where(reattested) == (
        "user",
        str(member_id),
        {"user_id": str(member_id), "decision": "reattest"},
    )
    await settle(db, settings)
    notes = await notifications_of(db, member_id)
    assert [(n.type, n.data.get("decision")) for n in notes] == [
        ("vetting_decision", "approve"),
        ("vetting_decision", "reattest"),
    ]
    assert all(n.type != "vetting_decision" for n in await notifications_of(db, moderator.id))


async def test_flagging_a_post_tells_the_other_moderators(
    client: httpx.AsyncClient, session: AsyncSession, db: Database, settings: Settings
) -> None:
    ana = await make_member(session)
    troll = await make_member(session)
    moderator = await make_member(session, roles=["moderator"])
    flagging_moderator = await make_member(session, roles=["moderator"])
    forum = await make_forum(session)
    await session.commit()
    thread = await start_thread(client, ana, forum.id)
    bad = await reply(client, troll, thread["id"], "Spam spam spam")
    await settle(db, settings)

    flagged = await client.post(
        f"/api/v1/posts/{bad['id']}/flags", json={"reason": "Spam"}, headers=ana.headers
    )
    assert flagged.status_code == 201, flagged.text
    [event] = await _events(db, "post.flagged")
    ids = {
        "post_id": bad["id"],
        "thread_id": thread["id"],
        "flag_id": flagged.json()["id"],
        "flagged_by_id": str(ana.id),
    }
    assert _where(event) == ("moderators", None, ids)
    await settle(db, settings)
    for member in (moderator, flagging_moderator):
        [note] = [n for n in await notifications_of(db, member.id) if n.type == "moderation_flag"]
        assert (note.subject_type, note.subject_id, note.data) == ("post", bad["id"], ids)
    assert all(n.type != "moderation_flag" for n in await notifications_of(db, ana.id))

    # A moderator who flags a post is not told of their own flag.
    r = await client.post(
        f"/api/v1/posts/{thread['first_post']['id']}/flags",
        json={"reason": "Check this"},
        headers=flagging_moderator.headers,
    )
    assert r.status_code == 201, r.text
    await settle(db, settings)
    assert len(await _events(db, "post.flagged")) == 2
    flags_of = [
        [n.subject_id for n in await notifications_of(db, m.id) if n.type == "moderation_flag"]
        for m in (moderator, flagging_moderator)
    ]
    assert flags_of == [[bad["id"], thread["first_post"]["id"]], [bad["id"]]]


async def test_near_deadlines_are_announced_once_per_date(
    client: httpx.AsyncClient,
    net: Network,  # noqa: F811
    db: Database,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    near = await submitted_case(client, net, deadline=(today() + timedelta(days=2)).isoformat())
    later = await submitted_case(client, net, deadline=(today() + timedelta(days=5)).isoformat())
    await submitted_case(client, net)  # 60 days away
    await settle(db, settings)

    async with db.transaction() as tx:
        await check_deadlines(tx)  # the monitor's pass
    [event] = await _events(db, "case.deadline.near")
    assert _where(event) == ("case", near["id"], {"case_id": near["id"]})
    async with db.transaction() as tx:
        await check_deadlines(tx)
    assert len(await _events(db, "case.deadline.near")) == 1  # once per date

    await settle(db, settings)
    for member in (net.it, net.fr):
        notes = [n for n in await notifications_of(db, member.id) if n.type == "case_deadline"]
        assert [(n.subject_id, n.title) for n in notes] == [
            (near["id"], f"Deadline notice for case {near['reference']}")
        ]
    assert await notifications_of(db, net.br.id) == []

    # A wider window (CANET_CASES_DEADLINE_NEAR_DAYS) takes in the case due in five days.
    monkeypatch.setenv("CANET_CASES_DEADLINE_NEAR_DAYS", "7")
    get_cases_settings.cache_clear()
    try:
        async with db.transaction() as tx:
            assert [str(i) for i in await flag_near_deadlines(tx)] == [later["id"]]
    finally:
        monkeypatch.undo()
        get_cases_settings.cache_clear()

    # A new date re-arms the notice: announced again when that date is near.
    await act_ok(client, net.it, near["id"], "acknowledge")
    await act_ok(
        client,
        net.it,
        near["id"],
        "report_delay",
        new_deadline=(today() + timedelta(days=1)).isoformat(),
        note="Bank slow to answer",
    )
    async with db.transaction() as tx:
        assert [str(i) for i in await flag_near_deadlines(tx)] == [near["id"]]
    assert [e.audience_id for e in await _events(db, "case.deadline.near")] == [
        near["id"],
        later["id"],
        near["id"],
    ]


async def test_an_invited_observer_hears_of_the_case(
    client: httpx.AsyncClient,
    net: Network,  # noqa: F811
    db: Database,
    settings: Settings,
) -> None:
    case = await submitted_case(client, net)
    await settle(db, settings)
    head = (await client.get("/api/v1/events", headers=net.liaison.headers)).json()["last_id"]
    invited = await client.post(
        f"/api/v1/cases/{case['id']}/participants",
        json={
            "user_id": str(net.liaison.id),
            "expires_at": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
        },
        headers=net.fr.headers,
    )
    assert invited.status_code == 201, invited.text
    [event] = await _events(db, "case.participant.invited")
    assert _where(event) == ("user", str(net.liaison.id), {"case_id": case["id"]})
    await settle(db, settings)
    [note] = await notifications_of(db, net.liaison.id)
    assert note.type == "case_invitation"
    assert note.title == f"You were invited to follow case {case['reference']}"
    assert (note.subject_type, note.subject_id, note.data) == (
        "case",
        case["id"],
        {"case_id": case["id"]},
    )
    assert all(n.type != "case_invitation" for n in await notifications_of(db, net.fr.id))
    # The invited member receives the event itself in real time; nobody else does.
    polled = await client.get(
        "/api/v1/events", params={"after": head, "timeout": 1}, headers=net.liaison.headers
    )
    names = [e["event"] for e in polled.json()["events"]]
    assert "case.participant.invited" in names
    other = await client.get(
        "/api/v1/events", params={"after": head, "timeout": 0.1}, headers=net.br.headers
    )
    assert "case.participant.invited" not in [e["event"] for e in other.json()["events"]]


async def test_directory_staleness_and_contact_failures_reach_focal_points(
    client: httpx.AsyncClient, session: AsyncSession, db: Database, settings: Settings
) -> None:
    authority = await make_authority(session, state_code="BRA", name="Stale Office")
    authority.last_verified_at = datetime.now(UTC) - timedelta(days=400)
    session.add(authority)
    focal = await make_member(session, authority=authority, focal_point=True)
    colleague = await make_member(session, authority=authority)
    moderator = await make_member(session, roles=["moderator"])
    elsewhere = await make_authority(session)
    elsewhere.last_verified_at = datetime.now(UTC)
    session.add(elsewhere)
    reporter = await make_member(session, authority=elsewhere)
    sheet = await make_requirement_sheet(
        session, state_code="BRA", last_verified_at=datetime.now(UTC) - timedelta(days=400)
    )
    await session.commit()

    # The staleness job (its own transaction, as the hourly pass runs it).
    async with db.transaction() as tx:
        done = await remind_stale(tx)
    assert done.authorities == [authority.id] and done.sheets == [sheet.id]
    assert [_where(e) for e in await _events(db, "directory.stale")] == [
        ("authority", str(authority.id), {"authority_id": str(authority.id)}),
        ("authority", str(authority.id), {"sheet_id": str(sheet.id), "state_code": "BRA"}),
    ]
    await settle(db, settings)
    notes = await notifications_of(db, focal.id)
    assert [(n.type, n.delivery, n.subject_type, n.title) for n in notes] == [
        (
            "directory_stale",
            "email",
            "authority",
            "The directory entry of Stale Office needs verifying",
        ),
        ("directory_stale", "email", "sheet", "The mla requirement sheet of BRA needs verifying"),
    ]
    assert await notifications_of(db, colleague.id) == []
    assert await notifications_of(db, moderator.id) == []

    r = await client.post(
        f"/api/v1/authorities/{authority.id}/contact-failures",
        json={"channel": "email", "detail": "550 mailbox unavailable"},
        headers=reporter.headers,
    )
    assert r.status_code == 201, r.text
    ids = {"authority_id": str(authority.id), "report_id": r.json()["id"]}
    assert [_where(e) for e in await _events(db, "directory.contact_failed")] == [
        ("authority", str(authority.id), ids),
        ("moderators", None, ids),
    ]
    await settle(db, settings)
    for member in (focal, moderator):
        [failed] = [
            n for n in await notifications_of(db, member.id) if n.type == "directory_contact_failed"
        ]
        assert failed.title == "A contact of Stale Office was reported as failing"
        assert failed.data == ids and failed.delivery == "email"
    assert await notifications_of(db, colleague.id) == []
    assert await notifications_of(db, reporter.id) == []
    mails = (
        (
            await session.execute(
                select(OutgoingMail).where(col(OutgoingMail.to_address) == focal.user.email)
            )
        )
        .scalars()
        .all()
    )
    # One mail path: the two reminders and the failure are all notifications, mailed once.
    assert sorted(m.kind for m in mails) == ["notification"] * 3
    assert sum(f"/authorities/{authority.id}" in m.body for m in mails) == 2
    assert all("550 mailbox" not in m.body for m in mails)
