"""The deadline monitor: flags cases whose date has passed, once, on the timeline.

Overdue is also computed on every read (`overdue` in the API); this pass makes the moment a
case becomes overdue an event both sides hear of (`case.deadline.passed`, which the
notifications domain turns into a notice) and a timeline entry. One atomic UPDATE claims the
cases, so several workers never flag one twice. Likewise, once per due date, a case whose date
is `deadline_near_days` away or closer gets a `case.deadline.near` event (`deadline_near_for`
remembers the date announced).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.cases import repository, timeline
from app.cases.due_dates import today
from app.cases.settings import get_cases_settings
from app.core import audit, events
from app.core.audit import Target
from app.core.events import Audience
from app.db import Database
from app.models.base import utcnow

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 600.0


async def flag_overdue_cases(session: AsyncSession) -> list[uuid.UUID]:
    """Mark newly overdue cases; a timeline entry, an audit entry and an event for each."""
    now = utcnow()
    claimed = await repository.claim_overdue_cases(session, today=today(), now=now)
    system = Actor.system()
    for case_id, due, status in claimed:
        entry = timeline.add_entry(
            session,
            case_id,
            kind="overdue",
            actor=None,
            from_status=status,
            to_status=status,
            data={"due_date": due.isoformat() if due else None, "recorded_by": "system"},
            at=now,
        )
        await session.flush()
        await audit.record(
            session,
            actor=system,
            action="case.overdue",
            target=Target("case", case_id),
            details={"due_date": due},
        )
        await events.publish(
            session,
            "case.deadline.passed",
            {"case_id": case_id, "entry_id": entry.id},
            audience=Audience.of("case", case_id),
        )
    return [row[0] for row in claimed]


async def flag_near_deadlines(
    session: AsyncSession, *, within_days: int | None = None
) -> list[uuid.UUID]:
    """Announce, once per due date, the open cases due within the window; their ids."""
    days = get_cases_settings().deadline_near_days if within_days is None else within_days
    start = today()
    claimed = await repository.claim_near_deadlines(
        session, start=start, end=start + timedelta(days=days)
    )
    system = Actor.system()
    for case_id, due in claimed:
        await audit.record(
            session,
            actor=system,
            action="case.deadline_near",
            target=Target("case", case_id),
            details={"due_date": due},
        )
        await events.publish(
            session,
            "case.deadline.near",
            {"case_id": case_id},
            audience=Audience.of("case", case_id),
        )
    return [row[0] for row in claimed]


async def check_deadlines(session: AsyncSession) -> None:
    """One pass of the monitor: newly overdue cases, then newly near deadlines."""
    await flag_overdue_cases(session)
    await flag_near_deadlines(session)


class DeadlineMonitor:
    def __init__(self, database: Database, interval: float = INTERVAL_SECONDS) -> None:
        self.database = database
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="canet-case-deadlines")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                async with self.database.transaction() as session:
                    await check_deadlines(session)
            except Exception:
                log.exception("case deadline pass failed; retrying later")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


async def start_deadline_monitor(app: FastAPI) -> DeadlineMonitor:
    monitor = DeadlineMonitor(app.state.db)
    monitor.start()
    return monitor
