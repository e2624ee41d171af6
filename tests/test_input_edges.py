"""Input that once crashed with 500 is refused as problem+json and changes nothing.

NUL characters (PostgreSQL refuses them in text), integers beyond their column and explicit
nulls for fields that may only be left out.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.audit import AuditEntry
from app.models.forums import Forum
from app.models.identity import User
from tests.factories import Member, make_authority, make_forum, make_member

PROBLEM_JSON = "application/problem+json"


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == status
    assert body["type"] == f"urn:canet:problem:{code}"
    return body


async def _count(session: AsyncSession, model: type) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
async def officer(session: AsyncSession) -> Member:
    member = await make_member(session, authority=await make_authority(session))
    await session.commit()
    return member


@pytest.fixture
async def admin(session: AsyncSession) -> Member:
    member = await make_member(session, roles=["admin"])
    await session.commit()
    return member


# --- NUL characters ---------------------------------------------------------------------------


@pytest.mark.parametrize("scope", ["forums", "cases", "all"])
async def test_nul_in_search_query_is_400(
    client: httpx.AsyncClient, officer: Member, scope: str
) -> None:
    response = await client.get(
        "/api/v1/search", params={"q": "a\x00b", "scope": scope}, headers=officer.headers
    )
    body = assert_problem(response, 400, "invalid-characters")
    assert body["errors"] == [{"field": "q", "message": "contains a NUL character"}]


async def test_nul_in_any_query_parameter_or_path_is_400(
    client: httpx.AsyncClient, officer: Member
) -> None:
    for url in (
        "/api/v1/authorities?q=x%00",
        "/api/v1/forums?limit=1&cursor=%00",
        "/api/v1/forums/%00",
        "/api/v1/me?unused=%00",
    ):
        assert_problem(await client.get(url, headers=officer.headers), 400, "invalid-characters")


async def test_nul_in_a_json_body_field_is_400_and_creates_nothing(
    client: httpx.AsyncClient, session: AsyncSession, admin: Member
) -> None:
    before = await _count(session, Forum)
    response = await client.post(
        "/api/v1/forums", json={"name": "Asset\x00recovery"}, headers=admin.headers
    )
    body = assert_problem(response, 400, "invalid-characters")
    assert body["errors"] == [{"field": "body", "message": "contains a NUL character"}]
    assert await _count(session, Forum) == before


async def test_nul_split_across_body_chunks_is_400(
    client: httpx.AsyncClient, session: AsyncSession, admin: Member
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"name": "Asset \\'
        yield b"u0000 recovery"
        yield b'"}'

    response = await client.post(
        "/api/v1/forums",
        content=chunks(),
        headers={**admin.headers, "content-type": "application/json"},
    )
    assert_problem(response, 400, "invalid-characters")
    assert await _count(session, Forum) == 0


async def test_an_escaped_backslash_before_u0000_is_text(
    client: httpx.AsyncClient, admin: Member
) -> None:
    # `\\u0000` in JSON is a backslash followed by "u0000": no NUL, nothing to refuse.
    response = await client.post(
        "/api/v1/forums",
        content=b'{"name": "C:\\\\u0000"}',
        headers={**admin.headers, "content-type": "application/json"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "C:\\u0000"


# --- integers within their columns ------------------------------------------------------------


async def test_forum_position_beyond_32_bits_is_422(
    client: httpx.AsyncClient, session: AsyncSession, admin: Member
) -> None:
    for position in (2**31, -(2**31) - 1, 2**40):
        response = await client.post(
            "/api/v1/forums",
            json={"name": "Asset recovery", "position": position},
            headers=admin.headers,
        )
        body = assert_problem(response, 422, "validation-failed")
        assert [e["field"] for e in body["errors"]] == ["position"]  # type: ignore[union-attr]
    assert await _count(session, Forum) == 0
    largest = await client.post(
        "/api/v1/forums",
        json={"name": "Asset recovery", "position": 2**31 - 1},
        headers=admin.headers,
    )
    assert largest.status_code == 201, largest.text


async def test_forum_update_position_and_nulls_are_refused(
    client: httpx.AsyncClient, session: AsyncSession, admin: Member
) -> None:
    forum = await make_forum(session)
    await session.commit()
    url = f"/api/v1/forums/{forum.id}"
    for change in ({"position": 2**31}, {"name": None}, {"position": None}, {"audience": None}):
        response = await client.patch(url, json=change, headers=admin.headers)
        body = assert_problem(response, 422, "validation-failed")
        assert [e["field"] for e in body["errors"]] == list(change)  # type: ignore[union-attr]
    await session.refresh(forum)
    assert forum.position == 0


async def test_long_poll_position_beyond_64_bits_is_422(
    client: httpx.AsyncClient, officer: Member
) -> None:
    response = await client.get(
        "/api/v1/events", params={"after": 2**63, "timeout": 0}, headers=officer.headers
    )
    assert_problem(response, 422, "validation-failed")


# --- nulls for fields that may only be left out ------------------------------------------------


async def test_null_roles_in_user_patch_is_422_and_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession, admin: Member, officer: Member
) -> None:
    audit_before = await _count(session, AuditEntry)
    url = f"/api/v1/users/{officer.id}"
    for change in ({"roles": None}, {"status": None}, {"focal_point": None}):
        response = await client.patch(url, json=change, headers=admin.headers)
        body = assert_problem(response, 422, "validation-failed")
        assert body["errors"] == [  # type: ignore[comparison-overlap]
            {"field": next(iter(change)), "message": "may be left out, but not null"}
        ]
    user = await session.get(User, officer.id, populate_existing=True)
    assert user is not None
    assert user.roles == ["officer"] and user.status == "active" and user.focal_point is False
    assert await _count(session, AuditEntry) == audit_before


async def test_user_patch_schema_says_which_fields_take_null(client: httpx.AsyncClient) -> None:
    document = (await client.get("/api/v1/openapi.json")).json()
    fields = document["components"]["schemas"]["UserPatch"]["properties"]
    assert fields["roles"]["type"] == "array"
    assert fields["focal_point"]["type"] == "boolean"
    assert {"type": "null"} in fields["authority_id"]["anyOf"]
    forum = document["components"]["schemas"]["ForumCreate"]["properties"]["position"]
    assert (forum["minimum"], forum["maximum"]) == (-(2**31), 2**31 - 1)


async def test_an_empty_or_malformed_state_filter_is_422(
    client: httpx.AsyncClient, officer: Member
) -> None:
    """`?state=` used to be taken as a filter on the empty code (200, nothing found)."""
    for query in ("state=", "state=FRA&state=FR", "state=F%20A"):
        refused = await client.get(f"/api/v1/authorities?{query}", headers=officer.headers)
        assert_problem(refused, 422, "validation-failed")
    assert (await client.get("/api/v1/authorities?state=FRA", headers=officer.headers)).is_success
