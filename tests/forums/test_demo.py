"""The forums demo step: forums always, threads when there are demo members."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import Database
from app.demo.context import DemoContext
from app.demo.runner import seed_demo
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


async def test_demo_activity_never_precedes_creation(
    db: Database, settings: Settings, session: AsyncSession
) -> None:
    await seed_demo(db, settings)
    threads = (await session.execute(select(Thread))).scalars().all()
    assert threads
    for thread in threads:
        assert thread.last_activity_at >= thread.created_at, thread.title
    forums = (
        await session.execute(
            select(Forum, func.max(Thread.last_activity_at))
            .outerjoin(Thread, Thread.forum_id == Forum.id)
            .group_by(Forum.id)
        )
    ).all()
    assert {forum.name for forum, _ in forums} >= {"General", "Asset recovery"}
    for forum, last_activity in forums:
        assert last_activity is None or last_activity >= forum.created_at, forum.name
