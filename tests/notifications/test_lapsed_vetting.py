"""A member whose vetting lapsed is told nothing about forum posts (no permission left)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.config import Settings
from app.db import Database
from app.models.identity import User
from tests.factories import make_forum, make_member
from tests.notifications.conftest import notifications_of, settle


async def test_no_reply_or_mention_notification_after_vetting_lapsed(
    client: httpx.AsyncClient, db: Database, settings: Settings, session: AsyncSession
) -> None:
    alice = await make_member(session, handle="alice.lapsed")
    bob = await make_member(session, handle="bob.lapsed")
    forum = await make_forum(session)
    await session.commit()
    created = await client.post(
        f"/api/v1/forums/{forum.id}/threads",
        json={"title": "Freezing orders", "body": "What do you need?"},
        headers=alice.headers,
    )
    assert created.status_code == 201, created.text
    thread_id = created.json()["id"]
    first_post = created.json()["first_post"]["id"]
    await settle(db, settings)
    await session.execute(
        update(User)
        .where(col(User.id) == alice.id)
        .values(vetting_expires_at=datetime.now(UTC) - timedelta(days=1))
    )
    await session.commit()
    r = await client.post(
        f"/api/v1/threads/{thread_id}/posts",
        json={"body": "Answering you", "reply_to_post_id": first_post},
        headers=bob.headers,
    )
    assert r.status_code == 201, r.text
    await settle(db, settings)
    assert await notifications_of(db, alice.id) == []
