"""The mail queue: SMTP delivery to a real local server, retries while it is down, the outbox."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from email import message_from_bytes

from aiosmtpd.controller import Controller
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.config import Settings
from app.core.mail import enqueue_mail, send_due
from app.db import Database
from app.models.mail import OutgoingMail


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _queued(session: AsyncSession, to: str) -> OutgoingMail:
    await enqueue_mail(session, to=to, subject="Hello\r\nBcc: evil", body="Body", kind="test")
    mail = await session.scalar(select(OutgoingMail).where(col(OutgoingMail.to_address) == to))
    assert mail is not None
    # Due in the future: the app's own background sender (real clock) leaves it to this test.
    mail.next_attempt_at = datetime.now(UTC) + timedelta(hours=1)
    await session.commit()
    return mail


async def test_smtp_delivery_with_retry(
    session: AsyncSession, db: Database, settings: Settings
) -> None:
    port = free_port()
    smtp = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
    mail = await _queued(session, "someone@example.org")
    later = datetime.now(UTC) + timedelta(hours=2)

    # the server is down: the mail stays queued with a backoff, nothing is lost
    assert await send_due(db, smtp, now=later) == 0
    await session.refresh(mail)
    assert mail.status == "queued" and mail.attempts == 1 and mail.last_error
    assert mail.next_attempt_at > later
    assert await send_due(db, smtp, now=later) == 0  # not due again yet

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert await send_due(db, smtp, now=later + timedelta(minutes=5)) == 1
    finally:
        controller.stop()
    [(recipients, raw)] = inbox.messages
    assert recipients == ["someone@example.org"]
    message = message_from_bytes(raw)
    assert message["Subject"] == "Hello Bcc: evil"  # no header injection
    assert message["Bcc"] is None
    assert message.get_payload().strip() == "Body"
    await session.refresh(mail)
    assert mail.status == "sent" and mail.attempts == 2 and mail.sent_at is not None


async def test_outbox_without_smtp(session: AsyncSession, db: Database, settings: Settings):
    mail = await _queued(session, "outbox@example.org")
    assert settings.smtp_host is None
    assert await send_due(db, settings, now=datetime.now(UTC) + timedelta(hours=2)) == 1
    files = list((settings.data_dir / "outbox").glob(f"*{mail.id.hex[:12]}.eml"))
    assert len(files) == 1
    assert message_from_bytes(files[0].read_bytes())["To"] == "outbox@example.org"


async def test_rolled_back_mail_is_never_sent(session: AsyncSession) -> None:
    await enqueue_mail(session, to="ghost@example.org", subject="s", body="b", kind="test")
    await session.rollback()
    assert await session.scalar(select(OutgoingMail.id)) is None
