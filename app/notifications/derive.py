"""The deriver: turns the event stream into notifications, emails and digests, exactly once.

One worker at a time holds the progress row (FOR UPDATE SKIP LOCKED); notifications, their
`notification.created` events, queued emails and the new progress position commit together,
so a crash re-derives a batch instead of losing or doubling it (the unique key on recipient,
event and type makes a re-run harmless anyway).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.auth.actor import Actor
from app.config import Settings
from app.core import events
from app.core.events import Audience
from app.core.mail import enqueue_mail
from app.db import Database
from app.models.identity import User
from app.models.notifications import Notification, NotificationPreferences
from app.notifications.kinds import TYPES
from app.notifications.rules import RULES, Planned, StoredEvent, prefetch

log = logging.getLogger(__name__)

BATCH = 200
_CLAIM = text("SELECT position FROM notification_progress WHERE id = 1 FOR UPDATE SKIP LOCKED")
_EVENTS = text(
    "SELECT position, name, audience_kind, audience_id, data FROM events "
    "WHERE position > :after ORDER BY position LIMIT :limit"
)


def email_body(title: str, url: str, base_url: str) -> str:
    """The whole email: the content-free title and a link; never the content itself."""
    return (
        f"{title} -- sign in to read.\n\n{url}\n\n"
        "--\nYou receive this because of your canet notification settings: "
        f"{base_url}/settings/notifications\n"
    )


def _actor(user: User) -> Actor:
    # A lapsed vetting takes every permission away (as on requests): no forum notification.
    expires = user.vetting_expires_at
    return Actor.member(
        user_id=user.id,
        roles=frozenset(user.roles),
        authority_id=user.authority_id,
        focal_point=user.focal_point,
        handle=user.handle,
        vetting_expired=expires is not None and expires <= datetime.now(UTC),
    )


async def mode_of(
    session: AsyncSession, user_ids: list[uuid.UUID]
) -> dict[uuid.UUID, dict[str, str]]:
    rows = await session.execute(
        select(NotificationPreferences).where(col(NotificationPreferences.user_id).in_(user_ids))
    )
    return {p.user_id: dict(p.modes) for p in rows.scalars()}


# Types that coalesce: while one is unread, later ones about the same subject add nothing.
COALESCING = frozenset({"followed_thread"})


async def _unread_about(
    session: AsyncSession, planned: list[Planned]
) -> set[tuple[uuid.UUID, str, str]]:
    """(member, type, subject) of coalescing notifications the recipients have unread."""
    wanted = [p for p in planned if p.type in COALESCING]
    if not wanted:
        return set()
    rows = await session.execute(
        select(
            col(Notification.user_id), col(Notification.type), col(Notification.subject_id)
        ).where(
            col(Notification.subject_id).in_({p.subject_id for p in wanted}),
            col(Notification.type).in_({p.type for p in wanted}),
            col(Notification.read_at).is_(None),
            col(Notification.user_id).in_({p.user_id for p in wanted}),
        )
    )
    return {(r[0], r[1], r[2]) for r in rows.all()}


# Built once: the deriver runs it for every notified member of every event.
_INSERT_NOTIFICATION = (
    insert(Notification.__table__)  # type: ignore[attr-defined]
    .on_conflict_do_nothing()
    .returning(Notification.__table__.c.id)  # type: ignore[attr-defined]
)


async def deliver(
    session: AsyncSession, position: int, planned: list[Planned], settings: Settings
) -> int:
    """Create the planned notifications recipients may see and want; returns how many."""
    # One notification per recipient per event: the first rule that names them wins.
    unique = list({p.user_id: p for p in reversed(planned)}.values())[::-1]
    if not unique:
        return 0
    users = {
        u.id: u
        for u in (
            await session.execute(
                select(User).where(
                    col(User.id).in_([p.user_id for p in unique]), col(User.status) == "active"
                )
            )
        ).scalars()
    }
    prefs = await mode_of(session, list(users))
    already = await _unread_about(session, unique)
    made = 0
    for item in unique:
        user = users.get(item.user_id)
        if user is None or item.type not in TYPES:
            continue
        if (item.user_id, item.type, item.subject_id) in already:
            continue  # one unread "new posts in a thread you follow" per thread is enough
        mode = prefs.get(user.id, {}).get(item.type) or TYPES[item.type][0]
        if mode == "off":
            continue
        if item.thread_id is not None:
            from app.forums import service as forums_service

            if not await forums_service.can_read_thread(session, _actor(user), item.thread_id):
                continue
        notification_id = await session.scalar(
            _INSERT_NOTIFICATION,
            {
                "id": uuid.uuid4(),
                "user_id": user.id,
                "type": item.type,
                "event_position": position,
                "subject_type": item.subject_type,
                "subject_id": item.subject_id[:64],
                "data": item.data,
                "title": item.title[:200],
                "delivery": "in_app" if mode not in ("email", "digest") else mode,
            },
        )
        if notification_id is None:
            continue  # made by an earlier run
        made += 1
        await events.publish(
            session,
            "notification.created",
            {"notification_id": notification_id, "type": item.type},
            audience=Audience.of("user", user.id),
        )
        if mode == "email":
            url = settings.base_url.rstrip("/") + item.path
            await enqueue_mail(
                session,
                to=user.email,
                subject=item.title,
                body=email_body(item.title, url, settings.base_url.rstrip("/")),
                kind="notification",
            )
    return made


async def derive_pending(database: Database, settings: Settings) -> int | None:
    """Derive one batch; the number of events consumed, or None if another worker holds it."""
    async with database.transaction() as session:
        await session.execute(
            text(
                "INSERT INTO notification_progress (id, position) VALUES (1, 0) "
                "ON CONFLICT (id) DO NOTHING"
            )
        )
        after = await session.scalar(_CLAIM)
        if after is None:
            return None
        rows = (await session.execute(_EVENTS, {"after": after, "limit": BATCH})).all()
        stored = [StoredEvent(int(r[0]), r[1], r[2], r[3], dict(r[4] or {})) for r in rows]
        batch = await prefetch(session, stored)
        for event in stored:
            rule = RULES.get(event.name)
            if rule is None:
                continue
            try:
                async with session.begin_nested():
                    planned = await rule(session, event, batch)
                    await deliver(session, event.position, planned, settings)
            except Exception:
                # One event that cannot be derived must not stop everyone's notifications.
                log.exception("notifications for event %s could not be derived", event.position)
        if rows:
            await session.execute(
                text("UPDATE notification_progress SET position = :p WHERE id = 1"),
                {"p": int(rows[-1][0])},
            )
        return len(rows)


class Deriver:
    """The per-worker loop: woken by the hub's advances, polling as a fallback."""

    def __init__(self, database: Database, settings: Settings, *, poll_seconds: float) -> None:
        self.database = database
        self.settings = settings
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self, position: Any = None) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="canet-notification-deriver")

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                while (await derive_pending(self.database, self.settings) or 0) >= BATCH:
                    pass
            except Exception:
                log.exception("notification deriver pass failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
