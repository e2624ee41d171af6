"""Hostile input at every operation of the live OpenAPI document, as every role.

The document is read from the running app, so an operation added tomorrow is fuzzed
tomorrow without a change here. The operations are split into shards (by a stable hash of
their operationId); each shard's test seeds a small network (tests/fuzz/network.py), then
sends Schemathesis' generated cases, valid and invalid, some aimed at real ids, to each of
its operations as each role, and fails with the list of distinct failures (runner.py says
what is checked).

`make test` runs a short form: two valid and two invalid cases per operation, each sent as
three of the roles, rotating (every role over a few runs; CANET_FUZZ_SEED replays a run).
`make fuzz` (CANET_FUZZ_FULL=1) sends 20 valid and 20 invalid cases to every operation as
every role and prints the figures. CANET_FUZZ_EXAMPLES sets the number of cases per operation
and mode.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import random
import time
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis.schemas import APIOperation
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import Database
from app.models.directory import Authority
from tests.factories import make_member
from tests.fuzz.bridge import BASE_URL, AppAdapter, app_session
from tests.fuzz.network import ROLES, FuzzNetwork, Identity, build_network
from tests.fuzz.runner import Caller, Runner, ServerErrors, Tally, Target, operation_id

FULL = os.environ.get("CANET_FUZZ_FULL") == "1"
EXAMPLES = int(os.environ.get("CANET_FUZZ_EXAMPLES") or (20 if FULL else 2))
# Short form: how many of the roles receive each operation's cases (rotating with the seed).
ROLES_PER_OPERATION = len(ROLES) if FULL else 3
SEED = int(os.environ.get("CANET_FUZZ_SEED") or random.randrange(2**32))
SHARDS = 4

# Operations that end the caller's own session, or could: each of their cases is sent as a
# fresh, disposable member of the role, never as the identity the rest of the shard uses.
# After every operation the run checks that its identities are still signed in, so an
# operation added later that ends sessions fails loudly here instead of quietly turning the
# rest of the run into 401s.
SESSION_ENDING = {"logout", "change_my_password", "update_me", "regenerate_recovery_codes"}

# Checks that are wrong for one operation, with the reason why. Empty is the goal.
EXCLUDED_CHECKS: dict[str, dict[str, str]] = {}

# The app's background tasks run in the test's loop while Hypothesis draws a case in the
# fuzzing thread; a task that uses the `random` module (a retry's jitter) then looks to
# Hypothesis like a strategy using it. Not the strategies' doing: not an error here.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Do not use the `random` module inside strategies"
    ":hypothesis.errors.HypothesisDeprecationWarning"
)

_METHOD_ORDER = {"GET": 0, "HEAD": 0, "PUT": 1, "POST": 1, "PATCH": 1, "DELETE": 2}


def shard_of(op_id: str) -> int:
    return int(hashlib.sha256(op_id.encode()).hexdigest(), 16) % SHARDS


def _order(operation: APIOperation) -> tuple[int, int, str]:
    # Reads first, deletions and session endings last: the seeded objects live longest.
    op_id = operation_id(operation)
    return (
        int(op_id in SESSION_ENDING),
        _METHOD_ORDER.get(operation.method.upper(), 1),
        operation.label,
    )


# The caller's identity decides the credentials: Schemathesis does not make up its own
# Authorization header, session cookie or CSRF token (a made-up invalid one would be replaced
# by the identity's, and the negative check would then blame the API for accepting it).
# Requests without credentials are the anonymous role's.
CONFIG = schemathesis.Config.from_dict({"generation": {"with-security-parameters": False}})


def operations(app: FastAPI) -> list[APIOperation]:
    schema = schemathesis.openapi.from_dict(app.openapi(), config=CONFIG)
    return sorted((result.ok() for result in schema.get_all_operations()), key=_order)


def roles_for(index: int) -> list[str]:
    """The roles that receive the cases of the operation at `index` in this run."""
    if len(ROLES) <= ROLES_PER_OPERATION:
        return list(ROLES)
    first = (index + SEED) % len(ROLES)
    return [ROLES[(first + k) % len(ROLES)] for k in range(ROLES_PER_OPERATION)]


@pytest.fixture
async def fuzz_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    # Unlike the `client` fixture, a crash comes back as the 500 a client would get, so it
    # is judged and reported like any other answer.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        yield client


def _in_loop(loop: asyncio.AbstractEventLoop, coroutine: object) -> object:
    return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout=60)  # type: ignore[arg-type]


def _disposable(
    db: Database, identity: Identity, loop: asyncio.AbstractEventLoop
) -> Callable[[], dict[str, str]]:
    """Headers of a new member like `identity`, made for one case of a session ending."""

    async def make() -> dict[str, str]:
        if identity.member is None:
            return {}
        async with db.sessionmaker() as session:
            authority = None
            if identity.authority_id is not None:
                authority = await session.get(Authority, identity.authority_id)
            member = await make_member(
                session, roles=identity.roles, authority=authority, focal_point=identity.focal_point
            )
            await session.commit()
            return member.headers

    return lambda: _in_loop(loop, make())  # type: ignore[return-value]


async def _signed_out(db: Database, network: FuzzNetwork) -> list[str]:
    """The roles whose identity no longer has a live session."""
    sessions = {
        identity.member.session_id: role
        for role, identity in network.identities.items()
        if identity.member is not None
    }
    async with db.engine.connect() as conn:
        live = (
            await conn.execute(
                text(
                    "SELECT s.id FROM user_sessions s JOIN users u ON u.id = s.user_id "
                    "WHERE s.id = ANY(:ids) AND s.revoked_at IS NULL "
                    "AND s.expires_at > now() AND u.status = 'active'"
                ),
                {"ids": list(sessions)},
            )
        ).scalars()
        alive = set(live)
    return sorted(role for session_id, role in sessions.items() if session_id not in alive)


@pytest.mark.parametrize("shard", range(SHARDS), ids=lambda s: f"shard{s + 1}of{SHARDS}")
async def test_every_operation_as_every_role(
    shard: int,
    app: FastAPI,
    db: Database,
    session: AsyncSession,
    fuzz_client: httpx.AsyncClient,
    capsys: pytest.CaptureFixture[str],
) -> None:
    started = time.monotonic()
    network = await build_network(session, fuzz_client)
    seeded = time.monotonic() - started
    loop = asyncio.get_running_loop()
    http = app_session(AppAdapter(fuzz_client, loop))
    tally = Tally()
    errors = ServerErrors()
    runner = Runner(
        session=http,
        target=Target(network.pools),
        tally=tally,
        errors=errors,
        excluded=EXCLUDED_CHECKS,
        seed=SEED,
    )
    everything = operations(app)
    chosen = [
        (operation, roles_for(index))
        for index, operation in enumerate(everything)
        if shard_of(operation_id(operation)) == shard
    ]
    ended: list[str] = []

    def callers(operation: APIOperation, roles: list[str]) -> list[Caller]:
        ending = operation_id(operation) in SESSION_ENDING
        found = []
        for role in roles:
            identity = network.identities[role]
            if ending:
                found.append(Caller(role, _disposable(db, identity, loop)))
            else:
                found.append(Caller(role, lambda identity=identity: identity.headers))
        return found

    def fuzz_all() -> None:
        for operation, roles in chosen:
            runner.fuzz(operation, callers(operation, roles), examples=EXAMPLES)
            signed_out = _in_loop(loop, _signed_out(db, network))
            if signed_out:
                ended.append(f"{operation_id(operation)} (as {', '.join(signed_out)})")  # type: ignore[arg-type]
                return

    access_log = logging.getLogger("canet.access")
    access_log.addHandler(errors)
    try:
        await asyncio.to_thread(fuzz_all)
    finally:
        access_log.removeHandler(errors)
        http.close()
    elapsed = time.monotonic() - started
    with capsys.disabled():
        print(
            f"\nfuzz shard {shard + 1}/{SHARDS}: {len(tally.operations)} of {len(everything)} "
            f"operations, {tally.requests} requests in {elapsed:.0f} s (seeding {seeded:.1f} s; "
            f"seed {SEED}; {EXAMPLES} valid and {EXAMPLES} invalid cases per operation, "
            f"each as {ROLES_PER_OPERATION} roles); statuses "
            f"{dict(sorted(tally.statuses.items()))}; {len(tally.found)} distinct failures"
        )
    assert not ended, (
        f"{ended[0]} ended the session of the identity it was fuzzed as: add it to "
        "SESSION_ENDING so that its cases are sent as disposable members"
    )
    assert not tally.found, tally.report()
