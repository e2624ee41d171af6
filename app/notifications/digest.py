"""The daily digest: one content-free email per member listing how many of each type wait."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, text, update
from sqlmodel import col, select

from app.config import Settings
from app.core.mail import enqueue_mail
from app.db import Database
from app.models.identity import User
from app.models.notifications import Notification, NotificationPreferences
from app.notifications.kinds import descriptions

DIGEST_HOUR_UTC = 7
DIGEST_LOCK = 7_201_003


def digest_due_since(now: datetime, hour: int = DIGEST_HOUR_UTC) -> datetime:
    """The most recent digest time at or before `now` (daily at `hour`:00 UTC)."""
    today = datetime.combine(now.date(), time(hour), tzinfo=UTC)
    return today if now >= today else today - timedelta(days=1)


def digest_body(counts: Counter[str], base_url: str) -> str:
    described = descriptions()
    lines = [f"- {count} x {described.get(kind, kind)}" for kind, count in sorted(counts.items())]
    return (
        "Your daily canet digest -- sign in to read.\n\n"
        + "\n".join(lines)
        + f"\n\n{base_url}/notifications\n\n--\nChange what you receive: "
        f"{base_url}/settings/notifications\n"
    )


async def send_digests(
    database: Database, settings: Settings, *, now: datetime | None = None
) -> int:
    """Queue today's digest for every member with digest notifications waiting; how many."""
    now = now or datetime.now(UTC)
    due_since = digest_due_since(now)
    base_url = settings.base_url.rstrip("/")
    async with database.transaction() as session:
        # One worker at a time: two never send the same digest.
        if not await session.scalar(text(f"SELECT pg_try_advisory_xact_lock({DIGEST_LOCK})")):
            return 0
        pending = (
            await session.execute(
                select(col(Notification.user_id), col(Notification.type), func.count())
                .where(
                    col(Notification.delivery) == "digest", col(Notification.digested_at).is_(None)
                )
                .group_by(col(Notification.user_id), col(Notification.type))
            )
        ).all()
        per_user: dict[uuid.UUID, Counter[str]] = {}
        for user_id, kind, count in pending:
            per_user.setdefault(user_id, Counter())[kind] += int(count)
        if not per_user:
            return 0
        prefs = {
            p.user_id: p
            for p in (
                await session.execute(
                    select(NotificationPreferences).where(
                        col(NotificationPreferences.user_id).in_(list(per_user))
                    )
                )
            ).scalars()
        }
        users = {
            u.id: u
            for u in (
                await session.execute(select(User).where(col(User.id).in_(list(per_user))))
            ).scalars()
        }
        sent = 0
        for user_id, counts in per_user.items():
            user = users.get(user_id)
            pref = prefs.get(user_id)
            if (
                pref is not None
                and pref.last_digest_at is not None
                and pref.last_digest_at >= due_since
            ):
                continue
            if user is None:
                continue
            if user.status == "active":
                await enqueue_mail(
                    session,
                    to=user.email,
                    subject=f"Your canet digest: {sum(counts.values())} notifications",
                    body=digest_body(counts, base_url),
                    kind="notification_digest",
                )
                sent += 1
            await session.execute(
                update(Notification)
                .where(
                    col(Notification.user_id) == user_id,
                    col(Notification.delivery) == "digest",
                    col(Notification.digested_at).is_(None),
                )
                .values(digested_at=now)
            )
            if pref is None:
                session.add(NotificationPreferences(user_id=user_id, modes={}, last_digest_at=now))
            else:
                pref.last_digest_at = now
        await session.flush()
        return sent
