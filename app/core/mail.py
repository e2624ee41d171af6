"""Outgoing mail: queued in PostgreSQL with the change that caused it, sent after commit.

`enqueue_mail` adds a row in the caller's transaction, so a mail exists exactly when its
change does (a rollback drops it). The sender, one per worker, claims due rows with
`FOR UPDATE SKIP LOCKED` (workers never send the same mail twice), delivers them over SMTP
(aiosmtplib) or, without `CANET_SMTP_HOST`, writes them as .eml files to `<data_dir>/outbox`,
and retries failures with exponential backoff: a mail is never lost while SMTP is down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING

import aiosmtplib
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.core import metrics
from app.db import on_commit
from app.models.mail import OutgoingMail

if TYPE_CHECKING:
    from fastapi import FastAPI

    from app.config import Settings
    from app.db import Database

log = logging.getLogger(__name__)

BATCH = 20
POLL_SECONDS = 5.0
FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 3600
# About three days of hourly retries before a mail is marked failed (and logged as such).
MAX_ATTEMPTS = 80
_HEADER_BREAK = re.compile(r"[\r\n]+")

_wakeup: asyncio.Event | None = None

metrics.database_gauge(
    "canet_mail_queue_depth",
    "Mails queued and not yet delivered (due now or waiting for a retry).",
    "SELECT count(*) FROM mail_queue WHERE status = 'queued'",
)


def _wake() -> asyncio.Event:
    global _wakeup
    if _wakeup is None:
        _wakeup = asyncio.Event()
    return _wakeup


async def _notify_sender() -> None:
    _wake().set()


@dataclass(frozen=True, slots=True)
class Mail:
    to: str
    subject: str
    body: str
    kind: str


async def enqueue_mail(
    session: AsyncSession, *, to: str, subject: str, body: str, kind: str
) -> None:
    """Queue a plain-text mail in the caller's transaction; it is sent after commit."""
    await enqueue_mails(session, [Mail(to=to, subject=subject, body=body, kind=kind)])


async def enqueue_mails(session: AsyncSession, mails: list[Mail]) -> None:
    """Queue several mails with one statement (the deriver mails every recipient of an event)."""
    if not mails:
        return
    await session.execute(
        _INSERT,
        {
            "ids": [uuid.uuid4() for _ in mails],
            "to": [_HEADER_BREAK.sub(" ", m.to).strip() for m in mails],
            "subjects": [_HEADER_BREAK.sub(" ", m.subject).strip()[:300] for m in mails],
            "bodies": [m.body for m in mails],
            "kinds": [m.kind for m in mails],
        },
    )
    on_commit(session, _notify_sender)


_INSERT = sa.text(
    """
    INSERT INTO mail_queue (id, to_address, subject, body, kind, status, attempts,
                            next_attempt_at, created_at)
    SELECT m.id, m.to_address, m.subject, m.body, m.kind, 'queued', 0, now(), now()
    FROM unnest(CAST(:ids AS uuid[]), CAST(:to AS text[]), CAST(:subjects AS text[]),
                CAST(:bodies AS text[]), CAST(:kinds AS text[]))
         WITH ORDINALITY AS m(id, to_address, subject, body, kind, n)
    ORDER BY m.n
    """
)


def build_message(mail: OutgoingMail, settings: Settings) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(mail.created_at or datetime.now(UTC))
    message["Message-ID"] = make_msgid(idstring=mail.id.hex, domain="canet")
    message["X-Canet-Kind"] = mail.kind
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.body)
    return message


def outbox_dir(settings: Settings) -> Path:
    path = settings.ensure_data_dir() / "outbox"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


async def deliver(message: EmailMessage, mail: OutgoingMail, settings: Settings) -> None:
    """Send one message over SMTP, or write it to the outbox when no SMTP host is set."""
    if not settings.smtp_host:
        stamp = (mail.created_at or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S")
        path = outbox_dir(settings) / f"{stamp}-{mail.kind}-{mail.id.hex[:12]}.eml"
        await asyncio.to_thread(path.write_bytes, bytes(message))
        log.info("mail to %s (%s) written to %s", mail.to_address, mail.kind, path)
        return
    await aiosmtplib.send(
        message,
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        use_tls=settings.smtp_tls == "tls",
        start_tls=settings.smtp_tls == "starttls",
        timeout=30,
    )
    log.info("mail to %s (%s) sent via %s", mail.to_address, mail.kind, settings.smtp_host)


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... capped at one hour."""
    return timedelta(
        seconds=min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS)
    )


async def send_due(
    database: Database, settings: Settings, *, limit: int = BATCH, now: datetime | None = None
) -> int:
    """Deliver the mails due at `now` (one batch); returns how many were sent."""
    sent = 0
    async with database.transaction() as session:
        now = now or datetime.now(UTC)
        mails = (
            (
                await session.execute(
                    select(OutgoingMail)
                    .where(
                        col(OutgoingMail.status) == "queued",
                        col(OutgoingMail.next_attempt_at) <= now,
                    )
                    .order_by(col(OutgoingMail.next_attempt_at))
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                )
            )
            .scalars()
            .all()
        )
        for mail in mails:
            mail.attempts += 1
            try:
                await deliver(build_message(mail, settings), mail, settings)
            except Exception as exc:  # every SMTP/OS failure is retried later
                mail.last_error = f"{type(exc).__name__}: {exc}"[:500]
                metrics.mail_failed(given_up=mail.attempts >= MAX_ATTEMPTS)
                if mail.attempts >= MAX_ATTEMPTS:
                    mail.status = "failed"
                    log.error("mail %s to %s given up: %s", mail.id, mail.to_address, exc)
                else:
                    mail.next_attempt_at = now + retry_delay(mail.attempts)
                    log.warning(
                        "mail %s to %s failed (attempt %d), retry at %s: %s",
                        mail.id,
                        mail.to_address,
                        mail.attempts,
                        mail.next_attempt_at.isoformat(),
                        exc,
                    )
            else:
                mail.status = "sent"
                mail.sent_at = datetime.now(UTC)
                mail.last_error = None
                sent += 1
        await session.flush()
    return sent


class MailSender:
    """The per-worker loop: wakes on local commits, polls for other workers' and retries."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.settings = settings
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="canet-mail-sender")

    async def _run(self) -> None:
        wake = _wake()
        while True:
            try:
                while await send_due(self.database, self.settings) == BATCH:
                    pass
            except Exception:
                log.exception("mail sender pass failed; retrying")
            wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=POLL_SECONDS)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


async def start_mail_sender(app: FastAPI) -> MailSender:
    sender = MailSender(app.state.db, app.state.settings)
    sender.start()
    return sender
