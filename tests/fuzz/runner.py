"""Send an operation Schemathesis' cases as some callers, judge each answer, collect failures.

Each operation gets coverage cases (derived from the schema: boundaries, each way of
breaking each constraint) and Hypothesis-generated cases, valid ones (positive) and invalid
ones (negative), each sent through the in-process bridge and judged by:

- not_a_server_error: no 5xx, ever;
- status_code_conformance: the status is one the document declares for the operation;
- content_type_conformance: the media type is the one the document declares for that status;
- response_headers_conformance: declared headers (Retry-After on 429) are there and valid;
- response_schema_conformance: the body matches the declared schema;
- negative_data_rejection: input the document says is invalid is refused (4xx), not done
  (except values the API coerces on purpose: coercions.py);
- problem_json (ours): every error is `application/problem+json` with type, title and a
  status equal to the HTTP status.

A failure does not stop the run: each distinct one (operation, identity, check, status) is
collected with its first reproducer and counted, so one run shows everything at once.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import hypothesis
import jsonschema
import requests
from hypothesis import HealthCheck, Phase, Verbosity
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode, Response
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import AcceptedNegativeData, Failure, FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.case import adjust_urlencoded_payload
from schemathesis.generation.drivers import without_unserializable_payload
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.core.logging import request_id_var
from tests.fuzz.bridge import BASE_URL
from tests.fuzz.coercions import only_coercions

PROBLEM_JSON = "application/problem+json"


def problem_json(ctx: Any, response: Any, case: Case) -> bool | None:
    """Every error answer is RFC 9457 problem+json with type, title and the HTTP status."""
    if response.status_code < 400:
        return None
    media_type = (response.headers.get("content-type") or [""])[0].split(";")[0].strip()
    assert media_type == PROBLEM_JSON, (
        f"{response.status_code} answered as {media_type or 'no content type'}, not {PROBLEM_JSON}"
    )
    body = json.loads(response.content)
    assert isinstance(body, dict), "the problem is not a JSON object"
    for member in ("type", "title", "status"):
        assert member in body, f"the problem has no {member!r}"
    assert body["status"] == response.status_code, (
        f"the problem says status {body['status']}, the response {response.status_code}"
    )
    return None


def negative_data_rejection_but_coercions(ctx: Any, response: Any, case: Case) -> bool | None:
    """Schemathesis' negative_data_rejection, except where every invalid part of the case is a
    value the API reads on purpose (coercions.py: `0` for false, a number as a timestamp)."""
    try:
        return negative_data_rejection(ctx, response, case)
    except AcceptedNegativeData:
        if only_coercions(case):
            return None
        raise


negative_data_rejection_but_coercions.__name__ = "negative_data_rejection"

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection_but_coercions,
    problem_json,
]


@dataclass
class Found:
    """One distinct failure and its first reproducer."""

    operation: str
    identity: str
    check: str
    status: int
    message: str
    reproduce: str
    traceback: str | None = None
    count: int = 1


@dataclass
class Tally:
    operations: set[str] = field(default_factory=set)
    requests: int = 0
    by_phase: dict[str, int] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)
    found: dict[tuple[str, str, str, int], Found] = field(default_factory=dict)

    def add(self, found: Found) -> None:
        key = (found.operation, found.identity, found.check, found.status)
        if key in self.found:
            self.found[key].count += 1
        else:
            self.found[key] = found

    def report(self, limit: int = 40) -> str:
        lines = [
            f"{len(self.found)} distinct failures over {len(self.operations)} operations and "
            f"{self.requests} requests:"
        ]
        for found in sorted(self.found.values(), key=lambda f: (f.operation, f.check))[:limit]:
            lines.append(
                f"- {found.operation} as {found.identity}: {found.check} ({found.status}), "
                f"{found.count}x\n  {found.message.strip()[:600]}\n  {found.reproduce}"
            )
            if found.traceback:
                lines.append("  " + found.traceback.strip().replace("\n", "\n  ")[-2500:])
        if len(self.found) > limit:
            lines.append(f"... and {len(self.found) - limit} more")
        return "\n".join(lines)


class ServerErrors(logging.Handler):
    """Keeps the traceback the app logged for each request that ended in a 500."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.by_request: dict[str, str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        if record.exc_info and request_id:
            self.by_request[request_id] = "".join(traceback.format_exception(*record.exc_info))


@dataclass
class Target:
    """Real ids by parameter or field name; only values the parameter's schema allows are used."""

    pools: dict[str, list[Any]]

    def pool_for(self, name: str, schema: dict[str, Any] | None = None) -> list[Any]:
        # An exact name first, then shorter suffixes: requested_authority_id -> authority_id.
        parts = name.split("_")
        candidates: list[Any] = []
        for start in range(max(len(parts) - 1, 1)):
            key = "_".join(parts[start:])
            if key in self.pools:
                candidates = self.pools[key]
                break
        if schema is None:
            return list(candidates)
        validator = jsonschema.Draft202012Validator(schema)
        return [value for value in candidates if validator.is_valid(value)]


def _path_schemas(operation: APIOperation) -> dict[str, dict[str, Any]]:
    raw = operation.definition.raw
    return {
        p["name"]: p.get("schema", {})
        for p in raw.get("parameters", [])
        if isinstance(p, dict) and p.get("in") == "path"
    }


def _negated(case: Case, location: ParameterLocation) -> bool:
    meta = case.meta
    info = meta.components.get(location) if meta is not None else None
    return info is not None and info.mode.is_negative


class Chooser(Protocol):
    """Where aim() takes its coin flips and picks from: Hypothesis' data, or a seeded Random."""

    def flip(self, label: str) -> bool: ...

    def pick(self, values: list[Any], label: str) -> Any: ...


@dataclass
class DrawChooser:
    data: st.DataObject

    def flip(self, label: str) -> bool:
        return bool(self.data.draw(st.integers(0, 3), label=label))  # 3 in 4: aim

    def pick(self, values: list[Any], label: str) -> Any:
        return self.data.draw(st.sampled_from(values), label=label)


@dataclass
class RandomChooser:
    rng: random.Random

    def flip(self, label: str) -> bool:
        return self.rng.random() < 0.75

    def pick(self, values: list[Any], label: str) -> Any:
        return self.rng.choice(values)


def aim(case: Case, choose: Chooser, target: Target) -> None:
    """Point some of the case's ids at real objects, so it gets past 404 to the real rules.

    Only in parts of the case that were generated valid: an invalid part stays as generated,
    so that the negative check still judges what it was made to judge.
    """
    schemas = _path_schemas(case.operation)
    path_parameters = {} if _negated(case, ParameterLocation.PATH) else case.path_parameters
    for name in list(path_parameters or {}):
        pool = target.pool_for(name, schemas.get(name))
        if pool and choose.flip(f"aim {name}"):
            case.path_parameters[name] = choose.pick(pool, name)
    if isinstance(case.body, dict) and not _negated(case, ParameterLocation.BODY):
        for key, value in list(case.body.items()):
            if not isinstance(value, str) or not key.endswith("_id"):
                continue
            pool = [v for v in target.pool_for(key) if isinstance(v, str)]
            if pool and choose.flip(f"aim body {key}"):
                case.body[key] = choose.pick(pool, key)


# Operations that wait for something by design: their wait is capped so a run stays bounded
# (GET /events long-polls for up to `timeout` seconds when nothing happens).
WAIT_CAPS = {"poll_events": ("timeout", 0.2)}


def _cap_waits(case: Case) -> None:
    cap = WAIT_CAPS.get(operation_id(case.operation))
    if cap and case.query is not None:
        name, seconds = cap
        value = case.query.get(name)
        if value is None or (isinstance(value, int | float) and value > seconds):
            case.query[name] = seconds


@dataclass
class Runner:
    session: requests.Session
    target: Target
    tally: Tally
    errors: ServerErrors
    # Per operationId: checks that are wrong for that operation, each with the reason.
    excluded: dict[str, dict[str, str]] = field(default_factory=dict)
    seed: int = field(default_factory=lambda: random.randrange(2**32))

    def fuzz(self, operation: APIOperation, callers: list[Caller], *, examples: int) -> None:
        """Send `examples` valid and `examples` invalid cases, each one as every caller.

        Generating a case costs more than sending it, and one input seen by every role is
        the comparison that matters (the officer gets 201 where the outsider gets 404), so
        each case goes to every caller.
        """
        op_id = operation_id(operation)
        self.tally.operations.add(op_id)
        checks = self.checks_for(op_id)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)

            @hypothesis.seed(self.seed)
            @hypothesis.settings(
                max_examples=examples,
                database=None,
                deadline=None,
                derandomize=False,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
                verbosity=Verbosity.quiet,
                print_blob=False,
                report_multiple_bugs=False,
            )
            @hypothesis.given(case=strategy, data=st.data())
            def run(case: Case, data: st.DataObject) -> None:
                aim(case, DrawChooser(data), self.target)
                _cap_waits(case)
                for caller in callers:
                    self.send(case, op_id, caller.role, caller.headers(), checks)

            # Unsatisfiable: nothing in this operation can be made invalid, so no negative cases.
            with contextlib.suppress(hypothesis.errors.Unsatisfiable):
                run()

    def cover(
        self, operation: APIOperation, callers: list[Caller], *, limit: int | None = None
    ) -> None:
        """Send Schemathesis' coverage cases, each as one of the callers in turn.

        The coverage phase derives its cases from the schema instead of drawing them: each
        boundary (the longest string, the smallest number, an empty or a missing required
        field), each value of an enum, each way of breaking a constraint, duplicated query
        parameters. There are many per operation (hundreds for the large bodies), so each
        goes to one caller, rotating; `limit` keeps a random sample of them.
        """
        op_id = operation_id(operation)
        self.tally.operations.add(op_id)
        checks = self.checks_for(op_id)
        schema = operation.schema
        rng = random.Random(f"{self.seed}:{op_id}")
        unserializable: set[str] = set()
        cases = []
        for generated in schema.iter_coverage_cases(
            operation,
            generation_modes=list(GenerationMode),
            generation_config=schema.config.generation_for(operation=operation),
        ):
            case = without_unserializable_payload(generated, schema.transport, unserializable)
            if case is not None:
                cases.append(case)
        if limit is not None and len(cases) > limit:
            cases = rng.sample(cases, limit)
        first = rng.randrange(len(callers))
        for index, case in enumerate(cases):
            adjust_urlencoded_payload(case)
            aim(case, RandomChooser(rng), self.target)
            _cap_waits(case)
            caller = callers[(first + index) % len(callers)]
            self.send(case, op_id, caller.role, caller.headers(), checks, phase="coverage")

    def send(
        self,
        case: Case,
        op_id: str,
        role: str,
        headers: dict[str, str],
        checks: Iterable[Any],
        *,
        phase: str = "fuzzing",
    ) -> Response:
        response = case.call(base_url=BASE_URL, session=self.session, headers=headers)
        self.judge(case, response, op_id, role, headers, checks, phase=phase)
        return response

    def checks_for(self, op_id: str) -> list[Any]:
        excluded = set(self.excluded.get(op_id, {}))
        return [c for c in CHECKS if c.__name__ not in excluded]

    def judge(
        self,
        case: Case,
        response: Response,
        op_id: str,
        role: str,
        headers: dict[str, str],
        checks: Iterable[Any],
        *,
        phase: str,
    ) -> None:
        """Count the answer and keep each distinct failure of the checks with a reproducer."""
        self.tally.requests += 1
        self.tally.by_phase[phase] = self.tally.by_phase.get(phase, 0) + 1
        self.tally.statuses[response.status_code] = (
            self.tally.statuses.get(response.status_code, 0) + 1
        )
        try:
            case.validate_response(
                response,
                checks=list(checks),
                headers=headers,
                transport_kwargs={"base_url": BASE_URL, "session": self.session},
            )
        except FailureGroup as group:
            request_id = (response.headers.get("x-request-id") or [""])[0]
            reproduce = case.as_curl_command(base_url=BASE_URL)
            for failure in group.exceptions:
                self.tally.add(
                    Found(
                        operation=op_id,
                        identity=role,
                        check=_check_name(failure),
                        status=response.status_code,
                        message=failure.message or failure.title,
                        reproduce=reproduce,
                        traceback=self.errors.by_request.get(request_id),
                    )
                )


def operation_id(operation: APIOperation) -> str:
    return str(operation.definition.raw.get("operationId") or operation.label)


@dataclass
class Caller:
    """One identity's way of calling: its role's name and the headers of each request."""

    role: str
    headers: Callable[[], dict[str, str]]


def _check_name(failure: Failure) -> str:
    title = failure.title or type(failure).__name__
    if title.startswith("Custom check failed: `"):
        return title.split("`")[1]
    return title
