"""Notification test helpers: waiting for the background deriver, a real SMTP inbox."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import text
from sqlmodel import col, select

from app.config import Settings
from app.core import mail
from app.db import Database
from app.models.notifications import Notification
from app.notifications.derive import derive_pending
from app.realtime.sequencer import sequence_pending


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_inbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """A real local SMTP server; the app's mail sender delivers to it for this test.

    Request it before `client`: fixtures stop in the reverse order, and a server stopped
    while the app's sender still runs can take a connection it never greets (the sender
    times out, and the server's end of it is left open: an unclosed-transport warning,
    which fails whichever test the garbage collector happens to run in)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    original = mail.deliver

    async def deliver_by_smtp(message: Any, queued: Any, settings: Any) -> None:
        smtp = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
        await original(message, queued, smtp)

    monkeypatch.setattr(mail, "deliver", deliver_by_smtp)
    try:
        yield inbox
    finally:
        controller.stop()


async def notifications_of(
    db: Database, user_id: uuid.UUID, count: int | None = None, timeout: float = 5.0
) -> list[Notification]:
    """The member's notifications, oldest first, once at least `count` exist."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        async with db.sessionmaker() as s:
            rows = list(
                (
                    await s.execute(
                        select(Notification)
                        .where(col(Notification.user_id) == user_id)
                        .order_by(col(Notification.event_position), col(Notification.type))
                    )
                ).scalars()
            )
        if count is None or len(rows) >= count or asyncio.get_running_loop().time() > deadline:
            return rows
        await asyncio.sleep(0.05)


async def settle(db: Database, settings: Settings) -> None:
    """Wait until every event written so far has been turned into notifications."""
    for _ in range(200):
        await sequence_pending(db)
        await derive_pending(db, settings)  # None when the background deriver holds it
        async with db.sessionmaker() as s:
            behind = await s.scalar(
                text(
                    "SELECT count(*) FROM events WHERE position IS NULL OR position > "
                    "coalesce((SELECT position FROM notification_progress WHERE id = 1), 0)"
                )
            )
        if not behind:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("notifications did not catch up")
