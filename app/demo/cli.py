"""`canet demo` (seed the demo network) and `canet demo code EMAIL` (current TOTP code)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from app.commands import with_database
from app.config import Settings


def register(commands: Any) -> None:
    demo = commands.add_parser("demo", help="seed a demo network (empty database only)")
    demo_commands = demo.add_subparsers(dest="demo_command")
    code = demo_commands.add_parser("code", help="print the current TOTP code of a demo member")
    code.add_argument("email")
    demo.set_defaults(handler=cmd_demo)


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:

    reading = getattr(args, "demo_command", None) == "code"
    url, release = with_database(settings, create=not reading)
    try:
        if reading:
            return asyncio.run(_print_code(url, settings, args.email))
        return asyncio.run(_seed(url, settings))
    finally:
        release()


async def _seed(url: str, settings: Settings) -> int:
    from app import migrate
    from app.demo.runner import seed_if_empty, sign_in_help

    await asyncio.to_thread(migrate.upgrade, url)
    ctx = await seed_if_empty(url, settings)
    if ctx is None:
        print("canet: the database has members already; the demo seeds an empty one only.")
        return 1
    print(sign_in_help(ctx, settings.base_url))
    return 0


async def _print_code(url: str, settings: Settings, email: str) -> int:
    import time

    from sqlmodel import col, select

    from app.db import Database
    from app.identity import mfa
    from app.identity.demo import DOMAIN
    from app.models.identity import User

    if not email.endswith("@" + DOMAIN):
        print(f"canet: only demo accounts (@{DOMAIN}) have codes here", file=sys.stderr)
        return 2
    database = Database(url)
    try:
        async with database.sessionmaker() as session:
            user = await session.scalar(select(User).where(col(User.email) == email))
    finally:
        await database.dispose()
    if user is None or user.totp_secret is None:
        from app.db import describe_url

        print(
            f"canet: no demo member {email} with TOTP in the database at {describe_url(url)}; "
            "is this the server's database (CANET_DATA_DIR, CANET_DATABASE_URL)?",
            file=sys.stderr,
        )
        return 1
    secret = mfa.open_secret(
        settings.resolved_secret_key(), user.totp_secret, previous=settings.previous_secret_keys()
    )
    step = mfa.current_step()
    if user.totp_last_step is not None and user.totp_last_step >= step:
        # This step's code was used already (replay refused): give the next one.
        step = user.totp_last_step + 1
    remaining = (step + 1) * mfa.STEP_SECONDS - int(time.time())
    print(mfa.code_at_step(secret, step))
    print(f"(valid for about {max(remaining, 0)} more seconds)", file=sys.stderr)
    return 0
