"""`canet admin create`, `canet demo` and `canet demo code EMAIL`, run as the CLI runs them."""

from __future__ import annotations

import argparse
import asyncio

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.config import Settings
from app.demo.cli import cmd_demo
from app.identity.cli import cmd_admin
from app.identity.demo import DEMO_PASSWORD
from app.models.identity import User
from tests.identity.helpers import audit_actions


async def test_admin_create(
    session: AsyncSession, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CANET_ADMIN_PASSWORD", "password")
    args = argparse.Namespace(email="root@example.org", name="Root Admin", handle=None)
    assert await asyncio.to_thread(cmd_admin, args, settings) == 2  # policy applies here too

    monkeypatch.setenv("CANET_ADMIN_PASSWORD", "bootstrap passphrase for the network")
    assert await asyncio.to_thread(cmd_admin, args, settings) == 0
    user = await session.scalar(select(User).where(col(User.email) == "root@example.org"))
    assert user is not None and user.roles == ["admin"] and user.handle == "root.admin"
    assert user.password_hash.startswith("$argon2id$")
    assert user.mfa_enrolled_at is None  # enrolls at first sign-in like everyone
    assert "user.bootstrapped" in await audit_actions(session)
    assert await asyncio.to_thread(cmd_admin, args, settings) == 1  # exists already


async def test_demo_seed_and_sign_in_with_demo_code(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert await asyncio.to_thread(cmd_demo, argparse.Namespace(demo_command=None), settings) == 0
    printed = capsys.readouterr().out
    assert "admin@demo.example.org" in printed and DEMO_PASSWORD in printed
    roles = set()
    for user in (await session.execute(select(User))).scalars():
        roles |= set(user.roles)
    assert {"admin", "moderator", "auditor", "officer", "liaison_magistrate"} <= roles
    # a second run refuses: the demo seeds an empty database only
    assert await asyncio.to_thread(cmd_demo, argparse.Namespace(demo_command=None), settings) == 1
    capsys.readouterr()

    email = "moderator@demo.example.org"
    code_args = argparse.Namespace(demo_command="code", email=email)
    assert await asyncio.to_thread(cmd_demo, code_args, settings) == 0
    code = capsys.readouterr().out.strip()
    first = await client.post(
        "/api/v1/auth/login", json={"email": email, "password": DEMO_PASSWORD}
    )
    assert first.json()["status"] == "mfa_required"
    r = await client.post(
        "/api/v1/auth/mfa/verify",
        json={"challenge_token": first.json()["challenge_token"], "code": code},
    )
    assert r.status_code == 200, r.text
    me = await client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"}
    )
    assert me.json()["roles"] == ["moderator"]
    queue = await client.get(
        "/api/v1/vetting/applications",
        headers={"Authorization": f"Bearer {r.json()['access_token']}"},
    )
    assert [a["email"] for a in queue.json()["items"]] == ["applicant@demo.example.org"]
    # the code just used is spent: `demo code` now gives the next one, which works
    assert await asyncio.to_thread(cmd_demo, code_args, settings) == 0
    assert capsys.readouterr().out.strip() != code
