"""Sequences of linked operations, as each signed-in role: what one answer gives, the next uses.

Schemathesis infers the links between operations from the document (the `id` a POST or a
list answers with feeds the `{thread_id}` of the next operation) and walks them as a
Hypothesis state machine: start a thread, read it, reply, edit the reply, flag it; create a
case, post to it, read its timeline ... Each answer is judged like the single operations'
(runner.py), and failures are collected, not shrunk.

Links hand the caller's own ids around (GET /me, GET /users), so operations that end or
change a member's sessions or standing are left out here; the operation-by-operation run
sends them as disposable members. `make test` runs a few short sequences as two of the
roles, the same every time; `make fuzz` many longer ones as every role.
"""

from __future__ import annotations

import os
from typing import Any

import hypothesis
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, Verbosity
from hypothesis.errors import Flaky, Unsatisfiable
from schemathesis import Case, Response
from schemathesis.engine.errors import is_inconsistent_replay

from tests.fuzz.bridge import BASE_URL
from tests.fuzz.harness import FULL, IGNORE_RANDOM_IN_LOOP, SEED, SESSION_ENDING, Run, load_schema
from tests.fuzz.runner import operation_id

SCENARIOS = int(os.environ.get("CANET_FUZZ_SCENARIOS") or (40 if FULL else 3))
STEPS = 12 if FULL else 6
MAX_RESTARTS = 20
ROLES = ("officer", "focal_point", "liaison_magistrate", "moderator", "admin", "auditor")
# Short form: walks as two of the roles, chosen by the seed (fixed for make test).
ROLES_PER_RUN = len(ROLES) if FULL else 2
WALKING = [ROLES[(SEED + k) % len(ROLES)] for k in range(ROLES_PER_RUN)]
# Besides the session endings: operations that suspend, re-role or sign out a member, whose
# `user_id` a link may fill with the caller's own id.
LEFT_OUT = SESSION_ENDING | {
    "patch_user",
    "suspend_user",
    "revoke_member_sessions",
    "revoke_my_session",
}

pytestmark = IGNORE_RANDOM_IN_LOOP


@pytest.mark.parametrize("role", WALKING)
async def test_linked_operations_as(
    role: str, app: FastAPI, fuzz_run: Run, capsys: pytest.CaptureFixture[str]
) -> None:
    run = fuzz_run
    schema = load_schema(app).exclude(operation_id=sorted(LEFT_OUT))
    headers = run.network.identities[role].headers
    runner = run.runner
    walked = {"sequences": 0, "restarts": 0}

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def teardown(self) -> None:
            super().teardown()
            walked["sequences"] += 1

        def call(self, case: Case, **kwargs: Any) -> Response:
            return case.call(base_url=BASE_URL, session=run.http, headers=headers)

        def validate_response(
            self, response: Response, case: Case, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            op_id = operation_id(case.operation)
            runner.tally.operations.add(op_id)
            runner.judge(
                case, response, op_id, role, headers, runner.checks_for(op_id), phase="stateful"
            )

    settings = dict(
        stateful_step_count=STEPS,
        database=None,
        deadline=None,
        # The short form is the same walk every time, like the operations' short run.
        derandomize=not FULL,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        print_blob=False,
    )

    def walk() -> None:
        # The app's state moves on between the sequences Hypothesis replays a prefix of, so a
        # replay can take another rule than the first time (Flaky, or Hypothesis' assertion on
        # an inconsistent replay): the way Schemathesis' own runner does, start the remaining
        # sequences afresh rather than report the app's changing state as a failure.
        while walked["sequences"] < SCENARIOS and walked["restarts"] < MAX_RESTARTS:
            remaining = SCENARIOS - walked["sequences"]
            try:
                Workflow.run(settings=hypothesis.settings(max_examples=remaining, **settings))
                return
            except (Flaky, Unsatisfiable):
                walked["restarts"] += 1
            except AssertionError as exc:
                if not is_inconsistent_replay(exc):
                    raise
                walked["restarts"] += 1

    await run.in_thread(walk)
    tally = run.tally
    with capsys.disabled():
        print(
            f"\nstateful as {role}: {walked['sequences']} sequences of up to {STEPS} steps "
            f"({walked['restarts']} restarts), "
            f"{tally.requests} requests over {len(tally.operations)} operations in "
            f"{run.elapsed():.0f} s; statuses "
            f"{dict(sorted(tally.statuses.items()))}; {len(tally.found)} distinct failures"
        )
    assert not await run.roles_signed_out(), f"the sequences ended a session ({role})"
    assert not tally.found, tally.report()
