"""What the fuzzing tests share: the settings, the schema, the identities' sessions, a run.

A `Run` is one test's fuzzing session: the seeded network, the in-process bridge, the
runner that judges answers, and the figures; `Run.in_thread(work)` runs the synchronous
Hypothesis/Schemathesis work in a worker thread while the app serves it in the test's loop.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
import requests
import schemathesis
from fastapi import FastAPI
from schemathesis.schemas import BaseSchema
from sqlalchemy import text

from app.db import Database
from app.models.directory import Authority
from tests.factories import make_member
from tests.fuzz.bridge import AppAdapter, app_session
from tests.fuzz.network import FuzzNetwork, Identity
from tests.fuzz.runner import Caller, Runner, ServerErrors, Tally, Target

T = TypeVar("T")

FULL = os.environ.get("CANET_FUZZ_FULL") == "1"
# make test's short run is the same run every time (one fixed seed: a failure there is a
# change in the code, not luck); the long run draws a fresh seed (printed, to reproduce it).
SEED = int(os.environ.get("CANET_FUZZ_SEED") or (random.randrange(2**32) if FULL else 20261206))

# The caller's identity decides the credentials: Schemathesis does not make up its own
# Authorization header, session cookie or CSRF token (a made-up invalid one would be replaced
# by the identity's, and the negative check would then blame the API for accepting it).
# Requests without credentials are the anonymous role's.
CONFIG = schemathesis.Config.from_dict({"generation": {"with-security-parameters": False}})

# Operations that end the caller's own session, or could: each of their cases is sent as a
# fresh, disposable member of the role, never as the identity the rest of the run uses.
# After every operation the run checks that its identities are still signed in, so an
# operation added later that ends sessions fails loudly instead of quietly turning the rest
# of the run into 401s.
SESSION_ENDING = frozenset(
    {"logout", "change_my_password", "update_me", "regenerate_recovery_codes"}
)

# Checks that are wrong for one operation, with the reason why. Empty is the goal.
EXCLUDED_CHECKS: dict[str, dict[str, str]] = {}

# The app's background tasks run in the test's loop while Hypothesis draws a case in the
# fuzzing thread; a task that uses the `random` module (asyncpg shuffles hosts when it
# connects) then looks to Hypothesis like a strategy using it. Not the strategies' doing.
IGNORE_RANDOM_IN_LOOP = pytest.mark.filterwarnings(
    "ignore:Do not use the `random` module inside strategies"
    ":hypothesis.errors.HypothesisDeprecationWarning"
)


def load_schema(app: FastAPI) -> BaseSchema:
    return schemathesis.openapi.from_dict(app.openapi(), config=CONFIG)


@dataclass
class Run:
    db: Database
    network: FuzzNetwork
    loop: asyncio.AbstractEventLoop
    http: requests.Session
    runner: Runner
    started: float = field(default_factory=time.monotonic)

    @classmethod
    def start(cls, db: Database, network: FuzzNetwork, client: Any) -> Run:
        loop = asyncio.get_running_loop()
        http = app_session(AppAdapter(client, loop))
        runner = Runner(
            session=http,
            target=Target(network.pools),
            tally=Tally(),
            errors=ServerErrors(),
            excluded=EXCLUDED_CHECKS,
            seed=SEED,
        )
        return cls(db=db, network=network, loop=loop, http=http, runner=runner)

    @property
    def tally(self) -> Tally:
        return self.runner.tally

    def in_loop(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """From the worker thread: run `coroutine` in the test's loop and wait for it."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)

    async def in_thread(self, work: Callable[[], None]) -> None:
        access_log = logging.getLogger("canet.access")
        access_log.addHandler(self.runner.errors)
        try:
            await asyncio.to_thread(work)
        finally:
            access_log.removeHandler(self.runner.errors)
            self.http.close()

    def caller(self, role: str, *, disposable: bool = False) -> Caller:
        identity = self.network.identities[role]
        if disposable:
            return Caller(role, lambda: self.in_loop(self._disposable(identity)))
        return Caller(role, lambda: identity.headers)

    async def _disposable(self, identity: Identity) -> dict[str, str]:
        """Headers of a new member like `identity`, made for one case of a session ending."""
        if identity.member is None:
            return {}
        async with self.db.sessionmaker() as session:
            authority = None
            if identity.authority_id is not None:
                authority = await session.get(Authority, identity.authority_id)
            member = await make_member(
                session, roles=identity.roles, authority=authority, focal_point=identity.focal_point
            )
            await session.commit()
            return member.headers

    def signed_out(self) -> list[str]:
        """From the worker thread: the roles whose identity no longer has a live session."""
        return self.in_loop(self.roles_signed_out())

    async def roles_signed_out(self) -> list[str]:
        sessions = {
            identity.member.session_id: role
            for role, identity in self.network.identities.items()
            if identity.member is not None
        }
        async with self.db.engine.connect() as conn:
            result = await conn.execute(
                text(
                    "SELECT s.id FROM user_sessions s JOIN users u ON u.id = s.user_id "
                    "WHERE s.id = ANY(:ids) AND s.revoked_at IS NULL "
                    "AND s.expires_at > now() AND u.status = 'active'"
                ),
                {"ids": list(sessions)},
            )
            alive = set(result.scalars())
        return sorted(role for session_id, role in sessions.items() if session_id not in alive)

    def elapsed(self) -> float:
        return time.monotonic() - self.started
