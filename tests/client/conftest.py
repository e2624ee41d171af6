"""The SDK and the command line against a real `canet serve` on the test database.

One server process for the whole directory (started once, ~2 s); each test builds its own
authorities and members (tables are truncated after each test, the server stays up).
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from canet_client import AsyncCanetClient, CanetClient, StaticToken
from sqlalchemy.ext.asyncio import AsyncSession

from app.identity import mfa
from app.models.directory import Authority
from app.models.identity import User
from tests.client.proxy import Proxy
from tests.factories import TEST_SECRET_KEY, Member, make_authority, make_member
from tests.identity.helpers import PASSWORD, password_hash
from tests.servers import Server

CLIENT_ROOT = Path(__file__).resolve().parents[2] / "clients" / "python"


# One per module, never per session: a server left running after these tests would keep
# working the shared database's queues (its mail sender "delivers" other tests' mails into its
# own outbox, its deriver competes for notifications), and later tests would wait for mail in
# vain. ("package" would not do: without an __init__.py this folder is no package to pytest.)
@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    started = Server(database_url, tmp_path_factory.mktemp("client-serve"))
    try:
        started.wait_ready()
        yield started
    finally:
        started.stop()


@pytest.fixture
def proxy(server: Server) -> Iterator[Proxy]:
    running = Proxy(server.port).start()
    try:
        yield running
    finally:
        running.stop()


@dataclass
class Person:
    """A member who signs in with a password and TOTP, like a person at a keyboard."""

    user: User
    email: str
    password: str
    totp_secret: str

    @property
    def id(self) -> uuid.UUID:
        return self.user.id

    def code(self, offset: int = 0) -> str:
        return mfa.code_at_step(self.totp_secret, mfa.current_step() + offset)


async def make_person(
    session: AsyncSession, authority: Authority, *, roles: list[str] | None = None
) -> Person:
    secret = mfa.new_secret()
    handle = f"person.{uuid.uuid4().hex[:10]}"
    email = f"{handle}@example.org"
    user = User(
        email=email,
        handle=handle,
        full_name="Ana Pereira",
        password_hash=await password_hash(),
        roles=roles or ["officer"],
        authority_id=authority.id,
        vetting_expires_at=datetime.now(UTC) + timedelta(days=100),
        totp_secret=mfa.seal_secret(TEST_SECRET_KEY, secret),
        mfa_enrolled_at=datetime.now(UTC),
    )
    session.add(user)
    await session.flush()
    return Person(user=user, email=email, password=PASSWORD, totp_secret=secret)


@dataclass
class World:
    fra: Authority  # requesting
    ita: Authority  # requested
    fr: Member  # officer of FRA (token)
    it: Member  # officer of ITA (token)
    person: Person  # officer of FRA who signs in with password and TOTP
    url: str

    def sdk(self, member: Member, url: str | None = None, **kwargs: Any) -> CanetClient:
        return CanetClient(url or self.url, StaticToken(member.token), **kwargs)

    def async_sdk(self, member: Member, url: str | None = None, **kwargs: Any) -> AsyncCanetClient:
        return AsyncCanetClient(url or self.url, StaticToken(member.token), **kwargs)


@pytest.fixture
async def world(session: AsyncSession, server: Server) -> World:
    fra = await make_authority(session, state_code="FRA", name="Ministère de la Justice")
    ita = await make_authority(session, state_code="ITA", name="Ministero della Giustizia")
    built = World(
        fra=fra,
        ita=ita,
        fr=await make_member(session, authority=fra),
        it=await make_member(session, authority=ita),
        person=await make_person(session, fra),
        url=server.http,
    )
    await session.commit()
    return built


def case_fields(requested: Authority, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "type": "mla",
        "requested_authority_id": str(requested.id),
        "title": "Bank records of Acme Ltd",
        "summary": "Laundering of proceeds of fraud through accounts held in Milan.",
        "legal_basis": "untoc_art18",
        "offences": ["money laundering", "fraud"],
        "measures": ["banking_information"],
        "languages": ["fr", "en"],
        "deadline": date.today() + timedelta(days=60),
        "deadline_reason": "trial date",
    }
    fields.update(overrides)
    return fields


def cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a `canet-client` subprocess: its own config and cache folders."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CANET_", "XDG_")) or k == "CANET_TEST_DATABASE_URL"
    }
    env.update(
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        PYTHONPATH=str(CLIENT_ROOT),
        **extra,
    )
    return env


CLI = [sys.executable, "-m", "canet_client"]
