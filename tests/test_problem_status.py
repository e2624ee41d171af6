"""Every error answer is problem+json whose `status` is the HTTP status.

The walk calls each operation of the OpenAPI document as an anonymous caller, as a member
without any role and as an admin sending obviously bad input (ids that are not UUIDs,
unknown ids, empty or ill-typed bodies, malformed JSON).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import AppError, Conflict, problem_body
from tests.factories import make_authority, make_member

PREFIX = "/api/v1"
_PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")
_BAD_QUERY = {"limit": "-1", "after": "-1", "timeout": "-1", "since": "yesterday"}


def _operations(app: FastAPI) -> list[tuple[str, str]]:
    return sorted(
        (method.upper(), path)
        for path, item in app.openapi()["paths"].items()
        if path.startswith(PREFIX + "/")
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    )


def _attempts(method: str, path: str) -> list[tuple[str, dict[str, Any]]]:
    """(url, request kwargs) pairs of obviously bad or unknown input for one operation."""
    unknown = _PARAM.sub(lambda _m: str(uuid.uuid4()), path)
    malformed = _PARAM.sub("not-a-uuid", path)
    # The query makes GETs fail validation rather than wait (the long poll) or list.
    if method == "GET":
        return [(unknown, {"params": _BAD_QUERY}), (malformed, {"params": _BAD_QUERY})]
    if method == "DELETE":
        return [(unknown, {}), (malformed, {})]
    return [
        (unknown, {"json": {}}),
        (unknown, {"json": {"title": 12, "body": [], "roles": "x", "position": "high"}}),
        (
            unknown,
            {"content": b"{not json", "headers": {"content-type": "application/json"}},
        ),
        (malformed, {"json": {}}),
    ]


def _check(response: httpx.Response, label: str, failures: list[str]) -> None:
    if response.status_code < 400:
        return
    if response.status_code >= 500:
        failures.append(f"{label}: {response.status_code} {response.text[:200]}")
        return
    if not response.headers.get("content-type", "").startswith("application/problem+json"):
        failures.append(f"{label}: {response.status_code} as {response.headers['content-type']}")
        return
    body = response.json()
    if body.get("status") != response.status_code:
        failures.append(f"{label}: HTTP {response.status_code}, body status {body.get('status')}")


async def test_every_error_status_matches_the_http_status(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    operations = _operations(app)
    authority = await make_authority(session)
    # Fresh members per operation: an operation may end the caller's session (logout).
    roleless = {op: await make_member(session, roles=[], authority=authority) for op in operations}
    admins = {op: await make_member(session, roles=["admin"]) for op in operations}
    await session.commit()

    failures: list[str] = []
    seen: set[int] = set()
    for method, path in operations:
        for url, kwargs in _attempts(method, path):
            for caller, headers in (
                ("anonymous", {}),
                ("member without roles", roleless[(method, path)].headers),
                ("admin", admins[(method, path)].headers),
            ):
                extra = dict(kwargs)
                extra["headers"] = {**extra.get("headers", {}), **headers}
                response = await client.request(method, url, **extra)
                seen.add(response.status_code)
                _check(response, f"{method} {url} as {caller}", failures)
    assert not failures, "\n".join(failures)
    # The walk reached the common refusals, not only one of them.
    assert {400, 401, 403, 404, 422} <= seen, seen


def test_extensions_cannot_redefine_standard_members() -> None:
    for member in ("type", "title", "status", "detail", "errors", "request_id"):
        with pytest.raises(ValueError, match="standard members"):
            Conflict("refused", extra={member: "x"})
    assert AppError("fine", extra={"case_status": "received"}).extra == {"case_status": "received"}
    body = problem_body(
        status=409,
        code="conflict",
        title="Conflict",
        detail="d",
        request_id="r1",
        extra={"status": "received", "title": "t", "request_id": "r2", "kept": 1},
    )
    assert body["status"] == 409
    assert body["title"] == "Conflict"
    assert body["request_id"] == "r1"
    assert body["kept"] == 1
