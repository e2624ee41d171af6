"""Hostile input at every operation of the live OpenAPI document, as every role.

The document is read from the running app, so an operation added tomorrow is fuzzed
tomorrow without a change here. The operations are split into shards (by a stable hash of
their operationId); each shard's test seeds a small network (tests/fuzz/network.py), then
sends each of its operations Schemathesis' coverage cases (boundaries, each way of breaking
each constraint) and generated cases, valid and invalid, some aimed at real ids, as each
role, and fails with the list of distinct failures (runner.py says what is checked).

`make test` runs a short form: three coverage cases, two valid and two invalid generated
cases per operation, each sent as three of the roles (which three turns from one operation
to the next); its seed is fixed, so it is the same run every time. `make fuzz`
(CANET_FUZZ_FULL=1) sends every coverage case (each as one role in turn) and 40 valid and 40
invalid generated cases to every operation as every role, with a fresh seed, and prints the
figures. CANET_FUZZ_SEED replays a run (another seed gives the short form other roles and
cases); CANET_FUZZ_EXAMPLES sets the number of generated cases per operation and mode.
"""

from __future__ import annotations

import hashlib
import os

import pytest
from fastapi import FastAPI
from schemathesis.schemas import APIOperation

from tests.fuzz.harness import FULL, IGNORE_RANDOM_IN_LOOP, SEED, SESSION_ENDING, Run, load_schema
from tests.fuzz.network import ROLES
from tests.fuzz.runner import operation_id

EXAMPLES = int(os.environ.get("CANET_FUZZ_EXAMPLES") or (40 if FULL else 2))
# Short form: how many of the roles receive each operation's cases (turning with the seed).
ROLES_PER_OPERATION = len(ROLES) if FULL else 3
# Coverage cases (runner.Runner.cover) per operation: all in the long form, a few in the short.
COVERAGE_LIMIT = None if FULL else 3
SHARDS = 4

pytestmark = IGNORE_RANDOM_IN_LOOP

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


def operations(app: FastAPI) -> list[APIOperation]:
    schema = load_schema(app)
    return sorted((result.ok() for result in schema.get_all_operations()), key=_order)


def roles_for(index: int) -> list[str]:
    """The roles that receive the cases of the operation at `index` in this run."""
    if len(ROLES) <= ROLES_PER_OPERATION:
        return list(ROLES)
    first = (index + SEED) % len(ROLES)
    return [ROLES[(first + k) % len(ROLES)] for k in range(ROLES_PER_OPERATION)]


@pytest.mark.parametrize("shard", range(SHARDS), ids=lambda s: f"shard{s + 1}of{SHARDS}")
async def test_every_operation_as_every_role(
    shard: int, app: FastAPI, fuzz_run: Run, capsys: pytest.CaptureFixture[str]
) -> None:
    run = fuzz_run
    everything = operations(app)
    chosen = [
        (operation, roles_for(index))
        for index, operation in enumerate(everything)
        if shard_of(operation_id(operation)) == shard
    ]
    ended: list[str] = []

    def fuzz_all() -> None:
        for operation, roles in chosen:
            ending = operation_id(operation) in SESSION_ENDING
            callers = [run.caller(role, disposable=ending) for role in roles]
            run.runner.cover(operation, callers, limit=COVERAGE_LIMIT)
            run.runner.fuzz(operation, callers, examples=EXAMPLES)
            signed_out = run.signed_out()
            if signed_out:
                ended.append(f"{operation_id(operation)} (as {', '.join(signed_out)})")
                return

    await run.in_thread(fuzz_all)
    tally = run.tally
    # Path parameters the seeded network has no real ids for: their operations are fuzzed,
    # but only ever answer 404 (seed one in network.py to reach their rules).
    unaimed = sorted(
        {
            p["name"]
            for operation, _ in chosen
            for p in operation.definition.raw.get("parameters", [])
            if p.get("in") == "path" and p.get("name") not in run.network.pools
        }
    )
    with capsys.disabled():
        print(
            f"\nfuzz shard {shard + 1}/{SHARDS}: {len(tally.operations)} of {len(everything)} "
            f"operations, {tally.requests} requests {tally.by_phase} in {run.elapsed():.0f} s "
            f"(seed {SEED}; {EXAMPLES} valid and {EXAMPLES} invalid generated cases per "
            f"operation, each as {ROLES_PER_OPERATION} roles); statuses "
            f"{dict(sorted(tally.statuses.items()))}; {len(tally.found)} distinct failures"
            + (f"; no real ids for {unaimed}" if unaimed else "")
        )
    assert not ended, (
        f"{ended[0]} ended the session of the identity it was fuzzed as: add it to "
        "SESSION_ENDING so that its cases are sent as disposable members"
    )
    assert not tally.found, tally.report()
