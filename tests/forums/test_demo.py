"""The forums demo step: forums always, threads when there are demo members."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.demo.context import DemoContext
from app.forums import demo
from app.models.forums import Forum, Post, Thread
from tests.factories import make_authority, make_member


async def test_demo_without_members_creates_forums_only(session: AsyncSession) -> None:
    ctx = DemoContext()
    await demo.seed(session, ctx)
    await session.commit()
    assert await session.scalar(select(func.count()).select_from(Forum)) == 3
    assert await session.scalar(select(func.count()).select_from(Thread)) == 0


async def test_demo_with_members(session: AsyncSession) -> None:
    fra = await make_authority(session, state_code="FRA")
    nga = await make_authority(session, state_code="NGA")
    moderator = await make_member(session, roles=["moderator"])
    officers = [await make_member(session, authority=a) for a in (fra, fra, nga)]
    ctx = DemoContext(
        authorities={"fra": fra.id, "nga": nga.id},
        users={m.user.email: m.id for m in [moderator, *officers]},
    )
    await demo.seed(session, ctx)
    await session.commit()
    threads = await session.scalar(select(func.count()).select_from(Thread))
    posts = await session.scalar(select(func.count()).select_from(Post))
    assert threads is not None and threads >= 4
    assert posts is not None and posts > threads
    assert "forums" in ctx.extra
