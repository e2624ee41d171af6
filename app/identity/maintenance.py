"""Periodic identity chores: vetting reminders and expiry notes, purging stale secrets.

Every worker runs the loop; a transaction-level advisory lock makes one of them do each pass.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.core import audit, events
from app.core.audit import Target
from app.core.events import Audience
from app.identity import passwords, repository, throttling
from app.identity.repository import service_accounts
from app.identity.settings import identity_settings
from app.models.identity import VettingStep

if TYPE_CHECKING:
    from fastapi import FastAPI

    from app.config import Settings
    from app.db import Database

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 3600
_LOCK_KEY = 0x63616E6574_01  # "canet" + 1: identity maintenance


async def send_vetting_reminders(session: AsyncSession) -> int:
    """Remind members whose vetting expires within the reminder window (once per period)."""
    policy = identity_settings()
    now = datetime.now(UTC)
    due = await repository.members_due_vetting_reminder(
        session, now=now, until=now + timedelta(days=policy.vetting_reminder_days), limit=500
    )
    for user in due:
        assert user.vetting_expires_at is not None
        user.vetting_reminded_at = now
        session.add(VettingStep(user_id=user.id, step="reminded"))
        # A notification (mailed by default), not a mail of our own: one mail path.
        await events.publish(
            session,
            "vetting.lapsing",
            {"user_id": user.id, "expires": user.vetting_expires_at.date().isoformat()},
            audience=Audience.of("user", user.id),
        )
        await audit.record(
            session,
            actor=Actor.system(),
            action="vetting.member.reminded",
            target=Target("user", user.id),
            authority_ids=[user.authority_id],
        )
    return len(due)


async def purge_stale(session: AsyncSession) -> None:
    """Unverified applications after 30 days; spent or expired one-time tokens after a day;
    service accounts' used assertion ids once the assertion has expired (a replay is refused
    as expired from then on), and their tokens' sessions a day after the token expired."""
    policy = identity_settings()
    now = datetime.now(UTC)
    await repository.delete_applications_created_before(
        session,
        ("pending_email", "expired"),
        now - timedelta(days=policy.unverified_application_days),
    )
    await repository.delete_tokens_expired_before(session, now - timedelta(days=1))
    await throttling.purge_stale(session)
    await service_accounts.delete_used_assertions_expired_before(session, now)
    await service_accounts.delete_service_sessions_expired_before(session, now - timedelta(days=1))


async def run_once(database: Database, settings: Settings) -> None:
    async with database.transaction() as session:
        if not await repository.try_transaction_lock(session, _LOCK_KEY):
            return
        await send_vetting_reminders(session)
        await purge_stale(session)


class IdentityMaintenance:
    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.settings = settings
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="canet-identity-maintenance")

    async def _run(self) -> None:
        while True:
            try:
                await run_once(self.database, self.settings)
            except Exception:
                log.exception("identity maintenance pass failed")
            await asyncio.sleep(INTERVAL_SECONDS)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


async def start_identity_maintenance(app: FastAPI) -> IdentityMaintenance:
    # The dummy hash that unknown emails are checked against is made now, not during the
    # first such sign-in (which would then be measurably slower than a wrong password).
    await asyncio.to_thread(passwords.dummy_hash)
    task = IdentityMaintenance(app.state.db, app.state.settings)
    task.start()
    return task
