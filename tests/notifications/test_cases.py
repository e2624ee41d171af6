"""Case notifications end to end: through the API, per preference, by email, without content."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email import message_from_bytes

import httpx
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.config import Settings
from app.db import Database
from app.models.audit import AuditEntry
from app.models.mail import OutgoingMail
from app.notifications.digest import send_digests
from tests.cases.conftest import Network, create_case, net  # noqa: F401 -- the fixture
from tests.notifications.conftest import Inbox, notifications_of, settle

SECRET = "Account 0042 of Giovanni Bianchi at Banca Esempio"


async def _mails_to(session: AsyncSession, address: str) -> list[OutgoingMail]:
    rows = await session.execute(
        select(OutgoingMail)
        .where(col(OutgoingMail.to_address) == address)
        .order_by(col(OutgoingMail.created_at))
    )
    return list(rows.scalars())


async def test_case_notifications_follow_preferences_and_carry_no_content(
    smtp_inbox: Inbox,  # first: set up before the app, so it stops after the app's mail sender
    client: httpx.AsyncClient,
    net: Network,  # noqa: F811
    db: Database,
    settings: Settings,
    session: AsyncSession,
) -> None:
    put = await client.put(
        "/api/v1/me/notification-preferences",
        json={"preferences": {"case_message": "digest"}},
        headers=net.it2.headers,
    )
    assert put.status_code == 200, put.text
    assert put.json()["preferences"]["case_message"] == "digest"
    off = await client.put(
        "/api/v1/me/notification-preferences",
        json={"preferences": {"case_message": "off", "case_received": "in_app"}},
        headers=net.it_focal.headers,
    )
    assert off.status_code == 200
    [audit_row] = (
        (
            await session.execute(
                select(AuditEntry).where(
                    col(AuditEntry.action) == "notifications.preferences.update",
                    col(AuditEntry.actor_user_id) == net.it_focal.id,
                )
            )
        )
        .scalars()
        .all()
    )
    assert audit_row.changes == {
        "case_message": {"old": "email", "new": "off"},
        "case_received": {"old": "email", "new": "in_app"},
    }

    case = await create_case(client, net.fr, net.ita, title=SECRET, summary=SECRET)
    submitted = await client.post(
        f"/api/v1/cases/{case['id']}/transitions", json={"action": "submit"}, headers=net.fr.headers
    )
    assert submitted.status_code == 200, submitted.text
    message = await client.post(
        f"/api/v1/cases/{case['id']}/messages", json={"body": SECRET}, headers=net.fr.headers
    )
    assert message.status_code == 201, message.text
    await settle(db, settings)
    reference = case["reference"]

    it_notes = await notifications_of(db, net.it.id)
    assert [(n.type, n.title) for n in it_notes] == [
        ("case_received", f"New case {reference} received"),
        ("case_message", f"New message in case {reference}"),
    ]
    assert it_notes[1].data == {"case_id": case["id"], "message_id": message.json()["id"]}
    assert [n.type for n in await notifications_of(db, net.it2.id)] == [
        "case_received",
        "case_message",
    ]
    assert [n.type for n in await notifications_of(db, net.it_focal.id)] == ["case_received"]
    # The requesting side's colleague sees the status; the author hears nothing of their own.
    assert [n.type for n in await notifications_of(db, net.fr2.id)] == [
        "case_status",
        "case_message",
    ]
    assert await notifications_of(db, net.fr.id) == []
    # Outsiders get nothing.
    for outsider in net.outsiders.values():
        assert await notifications_of(db, outsider.id) == []

    # Email now: "it" (defaults), one per notification, without content.
    it_mails = await _mails_to(session, net.it.user.email)
    # One deriver batch may queue both in one transaction (one created_at): compare as sets.
    assert sorted(m.subject for m in it_mails) == sorted(
        [f"New case {reference} received", f"New message in case {reference}"]
    )
    for queued in it_mails:
        assert "sign in to read" in queued.body
        for word in ("Giovanni", "Bianchi", "0042", "Banca", "Acme"):
            assert word not in queued.body and word not in queued.subject
    # it2 chose the digest for messages; it_focal only in-app for receipts.
    assert [m.subject for m in await _mails_to(session, net.it2.user.email)] == [
        f"New case {reference} received"
    ]
    assert await _mails_to(session, net.it_focal.user.email) == []

    # The sender delivers them to a real SMTP server.
    # Bounded by time, not by a count of polls: on a loaded machine a first attempt may fail
    # and the sender retries after its 30 s backoff (120 s at most).
    deadline = asyncio.get_running_loop().time() + 120
    while asyncio.get_running_loop().time() < deadline:
        if len([r for r, _ in smtp_inbox.messages if r == [net.it.user.email]]) >= 2:
            break
        await _sleep()
    delivered = [
        message_from_bytes(raw) for r, raw in smtp_inbox.messages if r == [net.it.user.email]
    ]
    assert {m["Subject"] for m in delivered} == {
        f"New case {reference} received",
        f"New message in case {reference}",
    }
    for m in delivered:
        assert SECRET not in m.get_payload()

    # The daily digest for it2: counts only.
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    assert await send_digests(db, settings, now=tomorrow.replace(hour=8)) == 1
    [digest] = [m for m in await _mails_to(session, net.it2.user.email) if "digest" in m.kind]
    assert "1 x a new message or attachment in a case" in digest.body
    assert SECRET not in digest.body and reference not in digest.body
    # Sent once a day only.
    assert await send_digests(db, settings, now=tomorrow.replace(hour=9)) == 0


async def _sleep() -> None:
    import asyncio

    await asyncio.sleep(0.05)


async def test_case_messages_coalesce_while_unread(
    client: httpx.AsyncClient,
    net: Network,  # noqa: F811
    db: Database,
    settings: Settings,
    session: AsyncSession,
) -> None:
    """A conversation does not mail every member of both authorities for every message."""
    case = await create_case(client, net.fr, net.ita)
    submitted = await client.post(
        f"/api/v1/cases/{case['id']}/transitions", json={"action": "submit"}, headers=net.fr.headers
    )
    assert submitted.status_code == 200, submitted.text

    async def say(body: str) -> None:
        sent = await client.post(
            f"/api/v1/cases/{case['id']}/messages", json={"body": body}, headers=net.fr.headers
        )
        assert sent.status_code == 201, sent.text
        await settle(db, settings)

    async def message_notes() -> list[str]:
        notes = await notifications_of(db, net.it.id)
        return [str(n.id) for n in notes if n.type == "case_message"]

    await say("first")
    await say("second")
    [first] = await message_notes()
    mails = [m.subject for m in await _mails_to(session, net.it.user.email)]
    assert mails.count(f"New message in case {case['reference']}") == 1

    read = await client.post(
        "/api/v1/notifications/read", json={"ids": [first]}, headers=net.it.headers
    )
    assert read.status_code == 200, read.text
    await say("third, after they read the first")
    notes = await message_notes()
    assert len(notes) == 2 and notes[0] == first
    mails = [m.subject for m in await _mails_to(session, net.it.user.email)]
    assert mails.count(f"New message in case {case['reference']}") == 2
