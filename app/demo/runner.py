"""Seed the demo network: each domain's demo step, in order, in one transaction."""

from __future__ import annotations

import logging

from sqlmodel import select

from app import domains
from app.config import Settings
from app.db import Database
from app.demo.context import DemoContext
from app.models.identity import User

log = logging.getLogger(__name__)


async def has_members(database: Database) -> bool:
    async with database.sessionmaker() as session:
        return await session.scalar(select(User.id).limit(1)) is not None


async def seed_demo(database: Database, settings: Settings) -> DemoContext:
    """Run every domain's demo step, in the manifest's order; all or nothing."""
    ctx = DemoContext()
    ctx.extra["secret_key"] = settings.resolved_secret_key()
    ctx.extra["base_url"] = settings.base_url
    async with database.transaction() as session:
        for name, step in domains.demo_steps():
            await step(session, ctx)
            log.info("demo: %s done", name)
    return ctx


async def seed_if_empty(url: str, settings: Settings) -> DemoContext | None:
    """Seed the demo network unless the database has members already."""
    database = Database(url)
    try:
        if await has_members(database):
            return None
        return await seed_demo(database, settings)
    finally:
        await database.dispose()


def sign_in_help(ctx: DemoContext, base_url: str) -> str:
    return "\n".join(
        [
            f"Demo network ready at {base_url} (API docs at {base_url.rstrip('/')}/docs).",
            *ctx.lines,
            f"Open {base_url.rstrip('/')}/ in a browser and sign in with one of these accounts.",
            "From a script: POST /api/v1/auth/login {email, password} -> challenge_token;",
            "then POST /api/v1/auth/mfa/verify {challenge_token, code}.",
        ]
    )
