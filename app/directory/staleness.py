"""Stale entries: remind focal points of authorities and sheets nobody verified for too long.

An entry is stale when `last_verified_at` is older than `stale_after_days` (default 365) or
missing. `remind_stale` publishes a `directory.stale` event for the authority (for a sheet,
for every authority of its State) and notes `stale_reminded_at`; the notifications deriver
turns the event into each focal point's notification, mailed or not as the member chose
(app/directory/events.py), so a reminder is mailed once, by the one mail path. A reminder
repeats at most every `remind_every_days`. It runs hourly in one worker (a
transaction-level advisory lock keeps the others out) and on demand with
`canet directory remind-stale`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.core import audit, events
from app.core.audit import Target
from app.core.events import Audience
from app.directory import repository
from app.directory.settings import DirectorySettings, get_directory_settings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from app.db import Database

log = logging.getLogger(__name__)

BATCH = 500


@dataclass
class Reminders:
    authorities: list[uuid.UUID] = field(default_factory=list)
    sheets: list[uuid.UUID] = field(default_factory=list)


async def remind_stale(
    session: AsyncSession,
    *,
    now: datetime | None = None,
    settings: DirectorySettings | None = None,
) -> Reminders:
    """Remind the focal points of every stale entry not reminded recently."""
    settings = settings or get_directory_settings()
    now = now or datetime.now(UTC)
    stale_before = settings.stale_before(now)
    remind_before = now - timedelta(days=settings.remind_every_days)
    done = Reminders()
    actor = Actor.system()

    authorities = await repository.authorities_due_reminder(
        session, stale_before=stale_before, remind_before=remind_before, limit=BATCH
    )
    sheets = await repository.sheets_due_reminder(
        session, stale_before=stale_before, remind_before=remind_before, limit=BATCH
    )
    # Sheets are a state's: every focal point of an authority of that state is asked.
    sheet_states = {s.state_code for s in sheets}
    state_authorities: dict[str, list[uuid.UUID]] = {}
    if sheet_states:
        state_authorities = await repository.authority_ids_by_state(session, sheet_states)
    for authority in authorities:
        authority.stale_reminded_at = now
        session.add(authority)
        await events.publish(
            session,
            "directory.stale",
            {"authority_id": authority.id},
            audience=Audience.of("authority", authority.id),
        )
        await audit.record(
            session,
            actor=actor,
            action="directory.stale.remind",
            target=Target("authority", authority.id),
            authority_ids=[authority.id],
        )
        done.authorities.append(authority.id)

    for sheet in sheets:
        sheet.stale_reminded_at = now
        session.add(sheet)
        for authority_id in state_authorities.get(sheet.state_code, []):
            await events.publish(
                session,
                "directory.stale",
                {"sheet_id": sheet.id, "state_code": sheet.state_code},
                audience=Audience.of("authority", authority_id),
            )
        await audit.record(
            session,
            actor=actor,
            action="directory.stale.remind",
            target=Target("requirement_sheet", sheet.id),
            details={"state_code": sheet.state_code},
        )
        done.sheets.append(sheet.id)
    await session.flush()
    return done


async def run_once(database: Database) -> Reminders | None:
    """One reminder pass in its own transaction, unless another worker holds the lock."""
    async with database.transaction() as session:
        if not await repository.take_reminder_lock(session):
            return None
        return await remind_stale(session)


class StaleReminder:
    def __init__(self, database: Database, interval: float) -> None:
        self.database = database
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="canet-directory-stale")

    async def _run(self) -> None:
        while True:
            # Wait first: a worker that restarts often must not remind on every start.
            await asyncio.sleep(self.interval)
            try:
                await run_once(self.database)
            except Exception:
                log.exception("directory staleness pass failed; retrying later")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


async def start_stale_reminder(app: FastAPI) -> StaleReminder:
    reminder = StaleReminder(
        app.state.db,
        get_directory_settings().reminder_interval_seconds,
    )
    reminder.start()
    return reminder
