"""Shared steps of the forum tests: API calls and reads of audit rows and queued events."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.models.audit import AuditEntry
from app.models.events import Event
from tests.factories import Member

API = "/api/v1"


async def start_thread(
    client: httpx.AsyncClient,
    member: Member,
    forum_id: uuid.UUID | str,
    *,
    title: str = "Video-link hearings under art. 18(18)",
    body: str = "Has anyone arranged a hearing by video link recently?",
    tags: list[str] | None = None,
) -> dict[str, Any]:
    response = await client.post(
        f"{API}/forums/{forum_id}/threads",
        json={"title": title, "body": body, "tags": tags or []},
        headers=member.headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


async def reply(
    client: httpx.AsyncClient,
    member: Member,
    thread_id: uuid.UUID | str,
    body: str,
    *,
    reply_to: str | None = None,
    expect: int = 201,
) -> dict[str, Any]:
    payload: dict[str, Any] = {"body": body}
    if reply_to:
        payload["reply_to_post_id"] = reply_to
    response = await client.post(
        f"{API}/threads/{thread_id}/posts", json=payload, headers=member.headers
    )
    assert response.status_code == expect, response.text
    return response.json()


async def events(session: AsyncSession, name: str | None = None) -> list[Event]:
    stmt = select(Event).order_by(col(Event.id))
    if name:
        stmt = stmt.where(col(Event.name) == name)
    await session.commit()  # a fresh snapshot: see what the app committed
    return list((await session.execute(stmt)).scalars().all())


async def audit_entries(session: AsyncSession, action: str) -> list[AuditEntry]:
    await session.commit()
    stmt = select(AuditEntry).where(col(AuditEntry.action) == action).order_by(col(AuditEntry.id))
    return list((await session.execute(stmt)).scalars().all())
