"""The deriver: turns the event stream into notifications, emails and digests, exactly once.

One worker at a time holds the progress row (FOR UPDATE SKIP LOCKED); notifications, their
`notification.created` events, queued emails and the new progress position commit together,
so a crash re-derives a batch instead of losing or doubling it (the unique key on recipient,
event and type makes a re-run harmless anyway).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.config import Settings
from app.core import event_catalog, event_rules, events
from app.core.event_rules import Batch, Planned
from app.core.events import Audience
from app.core.mail import Mail, enqueue_mails
from app.db import Database
from app.models.identity import User
from app.models.notifications import Notification, NotificationPreferences

log = logging.getLogger(__name__)

BATCH = 200

event_catalog.declare(
    "notification.created",
    "A new notification for the member (GET /api/v1/notifications lists it).",
    audiences=("user",),
    payload={"notification_id": "the notification", "type": "its type"},
)
_CLAIM = text("SELECT position FROM notification_progress WHERE id = 1 FOR UPDATE SKIP LOCKED")


def email_body(title: str, url: str, base_url: str) -> str:
    """The whole email: the content-free title and a link; never the content itself."""
    return (
        f"{title} -- sign in to read.\n\n{url}\n\n"
        "--\nYou receive this because of your canet notification settings: "
        f"{base_url}/settings/notifications\n"
    )


async def mode_of(
    session: AsyncSession, user_ids: list[uuid.UUID]
) -> dict[uuid.UUID, dict[str, str]]:
    rows = await session.execute(
        select(NotificationPreferences).where(col(NotificationPreferences.user_id).in_(user_ids))
    )
    return {p.user_id: dict(p.modes) for p in rows.scalars()}


# Types that coalesce: while one is unread, later ones about the same subject add nothing.
# A busy case would otherwise notify (and mail) every member of both authorities for every
# message of a conversation; one unread "new message in case X" says it all, as GitHub's
# one notification per thread does, and the case's unread count tells how many.
COALESCING = frozenset({"followed_thread", "case_message"})


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


async def deliver(
    session: AsyncSession, position: int, planned: list[Planned], settings: Settings
) -> int:
    """Create the planned notifications recipients may see and want; returns how many.

    Set-based: one INSERT for the event's notifications and one for its mails, whatever the
    number of recipients (a case message notifies every member of both authorities).
    """
    # One notification per recipient per event: the first rule that names them wins.
    unique = list({p.user_id: p for p in reversed(planned)}.values())[::-1]
    # Coalesced first: on a busy case or thread most recipients already have one unread,
    # and then nothing more about them needs loading.
    already = await _unread_about(session, unique)
    unique = [p for p in unique if (p.user_id, p.type, p.subject_id) not in already]
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
    types = event_rules.notification_types()
    wanted: list[tuple[User, Planned, str]] = []
    for item in unique:
        user = users.get(item.user_id)
        if user is None or item.type not in types:
            continue
        kind = types[item.type]
        mode = prefs.get(user.id, {}).get(item.type) or kind.default
        if mode not in kind.modes:  # chosen before the type stopped offering it
            mode = kind.default
        if mode == "off":
            continue
        wanted.append((user, item, mode))
    wanted = await _still_allowed(session, wanted)
    if not wanted:
        return 0
    made = {
        row.user_id: row.id
        for row in await session.execute(
            _INSERT_NOTIFICATIONS,
            {
                "ids": [uuid.uuid4() for _ in wanted],
                "user_ids": [user.id for user, _, _ in wanted],
                "types": [item.type for _, item, _ in wanted],
                "position": position,
                "subject_types": [item.subject_type for _, item, _ in wanted],
                "subject_ids": [item.subject_id[:64] for _, item, _ in wanted],
                "data": [json.dumps(item.data, default=str) for _, item, _ in wanted],
                "titles": [item.title[:200] for _, item, _ in wanted],
                "deliveries": [
                    "in_app" if mode not in ("email", "digest") else mode for _, _, mode in wanted
                ],
            },
        )
    }
    base_url = settings.base_url.rstrip("/")
    mails = []
    for user, item, mode in wanted:
        notification_id = made.get(user.id)
        if notification_id is None:
            continue  # made by an earlier run
        await events.publish(
            session,
            "notification.created",
            {"notification_id": notification_id, "type": item.type},
            audience=Audience.of("user", user.id),
        )
        if mode == "email":
            body = email_body(item.title, base_url + item.path, base_url)
            mails.append(Mail(to=user.email, subject=item.title, body=body, kind="notification"))
    await enqueue_mails(session, mails)
    return len(made)


async def _still_allowed(
    session: AsyncSession, wanted: list[tuple[User, Planned, str]]
) -> list[tuple[User, Planned, str]]:
    """Drop the recipients who may no longer see what a notification is about: one read check
    per subject for all its recipients (a reply's mention and its thread's reply share one)."""
    subjects: dict[tuple[str, uuid.UUID], list[uuid.UUID]] = {}
    for user, item, _ in wanted:
        if item.recheck is not None:
            subjects.setdefault(item.recheck, []).append(user.id)
    allowed: dict[tuple[str, uuid.UUID], set[uuid.UUID]] = {}
    for (subject, subject_id), user_ids in subjects.items():
        check = event_rules.read_check_for(subject)
        if check is None:
            log.warning("no read check for %r: notification withheld", subject)
            allowed[(subject, subject_id)] = set()  # fail closed: a check nobody declared
        else:
            allowed[(subject, subject_id)] = await check(session, subject_id, user_ids)
    return [
        (user, item, mode)
        for user, item, mode in wanted
        if item.recheck is None or user.id in allowed[item.recheck]
    ]


# Arrays in, one row per recipient; a re-run of the same event makes nothing twice.
_INSERT_NOTIFICATIONS = text(
    """
    INSERT INTO notifications (id, user_id, type, event_position, subject_type, subject_id,
                               data, title, delivery)
    SELECT n.id, n.user_id, n.type, :position, n.subject_type, n.subject_id,
           CAST(n.data AS jsonb), n.title, n.delivery
    FROM unnest(CAST(:ids AS uuid[]), CAST(:user_ids AS uuid[]), CAST(:types AS text[]),
                CAST(:subject_types AS text[]), CAST(:subject_ids AS text[]),
                CAST(:data AS text[]), CAST(:titles AS text[]), CAST(:deliveries AS text[]))
         AS n(id, user_id, type, subject_type, subject_id, data, title, delivery)
    ON CONFLICT DO NOTHING
    RETURNING id, user_id
    """
).bindparams(sa.bindparam("position", type_=sa.BigInteger()))


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
        stored = await events.read_after(session, after, limit=BATCH)
        batch = Batch()
        for load in event_rules.prefetchers():
            await load(session, stored, batch)
        for event in stored:
            rule = event_rules.rule_for(event.name)
            if rule is None:
                continue
            try:
                async with session.begin_nested():
                    planned = await rule(session, event, batch)
                    await deliver(session, event.position, planned, settings)
            except Exception:
                # One event that cannot be derived must not stop everyone's notifications.
                log.exception("notifications for event %s could not be derived", event.position)
        if stored:
            await session.execute(
                text("UPDATE notification_progress SET position = :p WHERE id = 1"),
                {"p": stored[-1].position},
            )
        return len(stored)


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
