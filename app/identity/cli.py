"""`canet admin create`: bootstrap the first admin on the server (the only path around vetting)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from app.commands import with_database
from app.config import Settings


def register(commands: Any) -> None:
    admin = commands.add_parser("admin", help="server-side administration")
    admin_commands = admin.add_subparsers(dest="admin_command", required=True)
    create = admin_commands.add_parser(
        "create",
        help="create an admin (password from a prompt or CANET_ADMIN_PASSWORD)",
    )
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True, help="full name")
    create.add_argument("--handle", help="default: derived from the name")
    admin.set_defaults(handler=cmd_admin)


def _read_password() -> str:
    from_env = os.environ.get("CANET_ADMIN_PASSWORD")
    if from_env:
        return from_env
    if not sys.stdin.isatty():
        raise SystemExit("canet: set CANET_ADMIN_PASSWORD or run in a terminal to be prompted")
    first = getpass.getpass("Password for the new admin: ")
    if getpass.getpass("Repeat it: ") != first:
        raise SystemExit("canet: the passwords differ")
    return first


def cmd_admin(args: argparse.Namespace, settings: Settings) -> int:
    from app.identity.passwords import problems_for

    password = _read_password()
    problems = problems_for(password, email=args.email, full_name=args.name)
    if problems:
        print("canet: " + " ".join(problems), file=sys.stderr)
        return 2
    url, release = with_database(settings)
    try:
        return asyncio.run(_create_admin(url, args, password))
    finally:
        release()


async def _create_admin(url: str, args: argparse.Namespace, password: str) -> int:
    from app.auth.actor import Actor
    from app.core import audit
    from app.core.audit import Target
    from app.db import Database
    from app.identity import handles, repository
    from app.identity.passwords import hash_password
    from app.identity.settings import identity_settings
    from app.models.identity import User, VettingStep

    database = Database(url)
    try:
        async with database.transaction() as session:
            if await repository.member_id_by_email(session, args.email):
                print(f"canet: {args.email} is already a member", file=sys.stderr)
                return 1
            handle = args.handle or await handles.free_handle(session, args.name)
            if await handles.handle_taken(session, handle):
                print(f"canet: the handle {handle} is taken", file=sys.stderr)
                return 1
            now = datetime.now(UTC)
            user = User(
                email=args.email,
                handle=handle,
                full_name=args.name,
                password_hash=await hash_password(password),
                roles=["admin"],
                vetted_at=now,
                vetting_expires_at=now + timedelta(days=identity_settings().vetting_validity_days),
            )
            session.add(user)
            await session.flush()
            session.add(
                VettingStep(user_id=user.id, step="bootstrapped", note="canet admin create")
            )
            await audit.record(
                session,
                actor=Actor.system(),
                action="user.bootstrapped",
                target=Target("user", user.id),
                details={"email": user.email, "roles": ["admin"]},
            )
        print(f"created admin {args.email} (@{handle}); TOTP enrollment at first sign-in")
        return 0
    finally:
        await database.dispose()
