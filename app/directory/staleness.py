"""Stale entries: remind focal points of authorities and sheets nobody verified for too long.

An entry is stale when `last_verified_at` is older than `stale_after_days` (default 365) or
missing. `remind_stale` mails each focal point concerned, publishes a `directory.stale` event
for the authority and notes `stale_reminded_at`, so a reminder repeats at most every
`remind_every_days`. It runs hourly in one worker (a transaction-level advisory lock keeps
the others out) and on demand with `canet directory remind-stale`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.auth.actor import Actor
from app.core import audit, events
from app.core.audit import Target
from app.core.events import Audience
from app.core.mail import enqueue_mail
from app.directory.revisions import focal_points_of
from app.directory.settings import DirectorySettings, get_directory_settings
from app.models.directory import Authority, RequirementSheet
from app.models.identity import User

if TYPE_CHECKING:
    from fastapi import FastAPI

    from app.db import Database

log = logging.getLogger(__name__)

BATCH = 500
_LOCK_KEY = 0x63616E6574_0005  # "canet" + the directory's migration number


@dataclass
class Reminders:
    authorities: list[uuid.UUID] = field(default_factory=list)
    sheets: list[uuid.UUID] = field(default_factory=list)
    mails: int = 0


def _due(column: Any, stale_before: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(column.is_(None), column < stale_before)


async def remind_stale(
    session: AsyncSession,
    *,
    base_url: str,
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

    authorities = list(
        (
            await session.execute(
                select(Authority)
                .where(
                    _due(col(Authority.last_verified_at), stale_before),
                    _due(col(Authority.stale_reminded_at), remind_before),
                )
                .order_by(col(Authority.id))
                .limit(BATCH)
                .with_for_update(skip_locked=True)
            )
        )
        .scalars()
        .all()
    )
    sheets = list(
        (
            await session.execute(
                select(RequirementSheet)
                .where(
                    _due(col(RequirementSheet.last_verified_at), stale_before),
                    _due(col(RequirementSheet.stale_reminded_at), remind_before),
                )
                .order_by(col(RequirementSheet.id))
                .limit(BATCH)
                .with_for_update(skip_locked=True)
            )
        )
        .scalars()
        .all()
    )
    # Sheets are a state's: every focal point of an authority of that state is asked.
    sheet_states = {s.state_code for s in sheets}
    state_authorities: dict[str, list[uuid.UUID]] = {}
    if sheet_states:
        rows = await session.execute(
            select(Authority.id, Authority.state_code).where(
                col(Authority.state_code).in_(sheet_states)
            )
        )
        for authority_id, code in rows:
            state_authorities.setdefault(code, []).append(authority_id)
    focal = await focal_points_of(
        session,
        list({a.id for a in authorities} | {i for ids in state_authorities.values() for i in ids}),
    )

    for authority in authorities:
        done.mails += await _mail(
            session,
            focal[authority.id],
            subject=f"Please verify the directory entry of {authority.name}",
            body=(
                f"The directory entry of {authority.name} was last verified "
                f"{_when(authority.last_verified_at)}. Please check it and save it, or confirm "
                f"it is still correct:\n\n{base_url}/authorities/{authority.id}\n"
            ),
        )
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
        recipients = [u for a in state_authorities.get(sheet.state_code, []) for u in focal[a]]
        measure = f" ({sheet.measure})" if sheet.measure else ""
        done.mails += await _mail(
            session,
            recipients,
            subject=f"Please verify the {sheet.request_type} requirement sheet of "
            f"{sheet.state_code}",
            body=(
                f"The {sheet.request_type}{measure} requirement sheet of {sheet.state_code} was "
                f"last verified {_when(sheet.last_verified_at)}. Please check it:\n\n"
                f"{base_url}/states/{sheet.state_code}/requirements/{sheet.request_type}\n"
            ),
        )
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


def _when(at: datetime | None) -> str:
    return f"on {at:%d %B %Y}" if at else "never"


async def _mail(session: AsyncSession, users: list[User], *, subject: str, body: str) -> int:
    for user in users:
        await enqueue_mail(
            session,
            to=user.email,
            subject=subject,
            body=f"Dear {user.full_name},\n\n{body}\nThank you.\n",
            kind="directory.stale",
        )
    return len(users)


async def run_once(database: Database, *, base_url: str) -> Reminders | None:
    """One reminder pass in its own transaction, unless another worker holds the lock."""
    async with database.transaction() as session:
        locked = await session.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(_LOCK_KEY)))
        if not locked:
            return None
        return await remind_stale(session, base_url=base_url)


class StaleReminder:
    def __init__(self, database: Database, base_url: str, interval: float) -> None:
        self.database = database
        self.base_url = base_url
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="canet-directory-stale")

    async def _run(self) -> None:
        while True:
            # Wait first: a worker that restarts often must not remind on every start.
            await asyncio.sleep(self.interval)
            try:
                await run_once(self.database, base_url=self.base_url)
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
        app.state.settings.base_url,
        get_directory_settings().reminder_interval_seconds,
    )
    reminder.start()
    return reminder
