"""Every listing answers a forged cursor with 400 `invalid-cursor`, never 5xx or 422.

The listings are discovered from the OpenAPI document (GET operations with a `cursor` query
parameter), so a new listing without an entry in LISTINGS fails the test. Each is called by
a member who may list it, on real objects, so the cursor is what gets checked.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import BadRequest
from app.core.pagination import Key, decode_cursor, encode_cursor, page
from app.models.directory import ContactFailureReport
from app.models.identity import Application
from tests.factories import (
    Member,
    make_authority,
    make_forum,
    make_member,
    make_requirement_sheet,
    make_treaty,
)

API = "/api/v1"


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


UUID = "6f1c2c8e-2b6e-4a53-9a59-0d3f4c3e1a11"
# Cursors no listing accepts, whatever its shape.
UNDECODABLE: dict[str, str] = {
    "not base64": "!!!not*base64@@@",
    "bad padding": "WzFdW",
    "not json": _cursor("not json"),
    "not utf-8": base64.urlsafe_b64encode(b"\xff\xfe[1]").decode(),
    "{}": _cursor("{}"),
    "null": _cursor("null"),
    "a number": _cursor("1"),
    "[]": _cursor("[]"),
    "nested": _cursor("[" * 3000 + "]" * 3000),
    "huge": "A" * 30_000,
    "huge int": _cursor("[" + "9" * 5000 + "]"),
    "1e400": _cursor("[1e400]"),
}
# The forged cursors reported in the issue, tried on every listing whose key has another length
# (a listing keyed by one integer takes `[1]`; wrong values of the right length come below).
REPORTED = [
    "[1]",
    "[true]",
    '["x"]',
    "[null,null,null]",
    '["9999-12-31T23:59:59+00:00","not-a-uuid"]',
    f'["294277-01-01","{UUID}"]',
    "[1e400]",
    f"[{2**70}]",
    "[1,2,3,4,5,6]",
]
# Per kind of key value: a good value, extreme values that are still good (page, no crash),
# and bad ones (raw JSON), each tried in its place with the other values good.
GOOD = {
    "int": "41",
    "int4": "3",
    "str": '"Ministère"',
    "uuid": f'"{UUID}"',
    "datetime": '"2024-05-01T10:00:00.123456+00:00"',
    "date": '"2024-05-01"',
    "bool": "true",
    "float": "0.0607927",
}
EXTREME = {
    "int": [str(2**63 - 1), str(-(2**63)), "0"],
    "int4": [str(2**31 - 1), str(-(2**31))],
    "str": ['""', '"' + "é" * 1000 + '"'],
    "uuid": ['"00000000-0000-0000-0000-000000000000"'],
    "datetime": ['"9999-12-31T23:59:59.999999+00:00"', '"0001-01-01T00:00:00+00:00"'],
    "date": ['"9999-12-31"', '"0001-01-01"'],
    "bool": ["false"],
    "float": ["0.0", "1e300", "-1e300"],
}
BAD = {
    "int": ["true", '"1"', "1.5", "null", str(2**63), str(-(2**63) - 1), str(2**70), "[]"],
    "int4": ["true", '"1"', "null", str(2**31), str(-(2**31) - 1), str(2**63)],
    "str": ["5", "null", "true", '"a\\u0000b"', '"\\ud800"', '"' + "x" * 1001 + '"', "{}"],
    "uuid": ['"not-a-uuid"', "5", "null", '""', "true", '"' + "f" * 40 + '"'],
    "datetime": [
        '"9999-12-31T23:59:59-14:00"',
        '"0001-01-01T00:00:00+01:00"',
        '"2024-01-01T00:00:00"',
        '"294277-01-01T00:00:00+00:00"',
        '"2024-13-01T00:00:00+00:00"',
        '"x"',
        "5",
        "null",
        "true",
    ],
    "date": ['"294277-01-01"', '"2024-13-01"', '"x"', "20240101", "null", "true"],
    "bool": ["1", "0", '"true"', "null"],
    "float": ["1e400", "-1e400", "NaN", "Infinity", "true", '"0.5"', "null", "1"],
}

# (path, role, extra query, key kinds): every GET listing with a cursor, and its sort variants.
LISTINGS: list[tuple[str, str, dict[str, str], tuple[str, ...]]] = [
    ("/authorities", "officer", {}, ("str", "str", "uuid")),
    ("/authorities", "officer", {"q": "justice"}, ("float", "uuid")),
    ("/authorities/{authority_id}/revisions", "admin", {}, ("int",)),
    ("/authorities/{authority_id}/contact-failures", "admin", {}, ("datetime", "uuid")),
    ("/directory/contact-failures", "moderator", {}, ("datetime", "uuid")),
    ("/requirement-sheets/{sheet_id}/revisions", "admin", {}, ("int",)),
    ("/treaties", "officer", {}, ("str", "uuid")),
    ("/treaties/{treaty_id}/revisions", "admin", {}, ("int",)),
    ("/forums", "officer", {}, ("int4", "str", "uuid")),
    ("/forums/{forum_id}/threads", "officer", {}, ("bool", "datetime", "uuid")),
    ("/threads/{thread_id}/posts", "officer", {}, ("int",)),
    ("/moderation/flags", "moderator", {}, ("datetime", "uuid")),
    ("/cases", "officer", {}, ("datetime", "uuid")),
    ("/cases", "officer", {"sort": "updated"}, ("datetime", "uuid")),
    ("/cases", "officer", {"sort": "deadline"}, ("date", "uuid")),
    ("/cases", "officer", {"sort": "-deadline"}, ("date", "uuid")),
    ("/cases/{case_id}/messages", "officer", {}, ("datetime", "uuid")),
    ("/audit/events", "auditor", {}, ("int",)),
    ("/audit/checkpoints", "auditor", {}, ("int",)),
    ("/users", "moderator", {}, ("str", "uuid")),
    ("/service-accounts", "moderator", {}, ("datetime", "uuid")),
    ("/vetting/applications", "moderator", {}, ("datetime", "uuid")),
    ("/vetting/members", "moderator", {}, ("datetime", "uuid")),
    ("/notifications", "officer", {}, ("datetime", "uuid")),
    ("/me/followed-threads", "officer", {}, ("bool", "datetime", "uuid")),
    ("/catalogue/entries", "officer", {}, ("datetime", "uuid")),
    ("/catalogue/entries", "officer", {"q": "bank"}, ("float", "uuid")),
    ("/library/documents", "officer", {}, ("datetime", "uuid")),
    ("/library/documents", "officer", {"q": "code"}, ("float", "uuid")),
    ("/library/documents/{document_id}/revisions", "officer", {}, ("int",)),
]


def _key(values: list[str]) -> str:
    return _cursor("[" + ",".join(values) + "]")


def forged_cursors(kinds: tuple[str, ...]) -> dict[str, str]:
    forged = dict(UNDECODABLE)
    for raw in REPORTED:
        if len(json.loads(raw.replace("1e400", "1"))) != len(kinds):
            forged[raw] = _cursor(raw)
    good = [GOOD[k] for k in kinds]
    forged["one value short"] = _key(good[:-1]) if len(good) > 1 else _cursor("[]")
    forged["one value more"] = _key([*good, GOOD["uuid"]])
    for i, kind in enumerate(kinds):
        for bad in BAD[kind]:
            forged[f"{kind} #{i} = {bad[:40]}"] = _key([*good[:i], bad, *good[i + 1 :]])
    return forged


def extreme_cursors(kinds: tuple[str, ...]) -> dict[str, str]:
    good = [GOOD[k] for k in kinds]
    cursors = {"good": _key(good)}
    for i, kind in enumerate(kinds):
        for value in EXTREME[kind]:
            cursors[f"{kind} #{i} = {value[:40]}"] = _key([*good[:i], value, *good[i + 1 :]])
    return cursors


def cursor_listings(app: FastAPI) -> set[str]:
    return {
        path.removeprefix(API)
        for path, operations in app.openapi()["paths"].items()
        if any(
            p["name"] == "cursor" and p["in"] == "query"
            for p in operations.get("get", {}).get("parameters", [])
        )
    }


@pytest.fixture
async def world(
    client: httpx.AsyncClient, session: AsyncSession
) -> tuple[dict[str, Member], dict[str, str]]:
    fra = await make_authority(session, state_code="FRA", name="Ministère de la Justice")
    ita = await make_authority(session, state_code="ITA", name="Ministero della Giustizia")
    members = {
        "officer": await make_member(session, authority=fra),
        "admin": await make_member(session, roles=["admin"]),
        "moderator": await make_member(session, roles=["moderator"]),
        "auditor": await make_member(session, roles=["auditor"]),
    }
    await make_member(session, authority=ita)
    sheet = await make_requirement_sheet(session)
    treaty = await make_treaty(session, parties=["FRA", "ITA"])
    forum = await make_forum(session)
    await session.commit()
    officer = members["officer"].headers
    thread = await client.post(
        f"{API}/forums/{forum.id}/threads",
        json={"title": "Video links", "body": "Anyone?", "tags": []},
        headers=officer,
    )
    assert thread.status_code == 201, thread.text
    case = await client.post(
        f"{API}/cases",
        json={
            "type": "mla",
            "requested_authority_id": str(ita.id),
            "title": "Bank records",
            "summary": "Accounts in Milan.",
            "legal_basis": {"kind": "untoc_art18"},
            "offences": ["fraud"],
            "measures": ["banking_information"],
            "languages": ["fr", "en"],
            "urgency": "normal",
            "confidential": True,
        },
        headers=officer,
    )
    assert case.status_code == 201, case.text
    document = await client.post(
        f"{API}/library/documents",
        json={"kind": "model_law", "title": "Model code", "language": "en"},
        headers=members["admin"].headers,
    )
    assert document.status_code == 201, document.text
    params = {
        "authority_id": str(fra.id),
        "sheet_id": str(sheet.id),
        "treaty_id": str(treaty.id),
        "forum_id": str(forum.id),
        "thread_id": thread.json()["id"],
        "case_id": case.json()["id"],
        "document_id": document.json()["id"],
    }
    return members, params


def test_every_cursor_listing_is_walked(app: FastAPI) -> None:
    assert cursor_listings(app) == {path for path, _, _, _ in LISTINGS}


def _url(template: str, params: dict[str, str]) -> str:
    return API + re.sub(r"\{(\w+)\}", lambda m: params[m.group(1)], template)


async def test_forged_cursors_are_invalid_cursor_everywhere(
    client: httpx.AsyncClient, world: tuple[dict[str, Member], dict[str, str]]
) -> None:
    members, params = world
    failures: list[str] = []
    for template, role, query, kinds in LISTINGS:
        url, headers = _url(template, params), members[role].headers
        for name, cursor in forged_cursors(kinds).items():
            response = await client.get(url, params={**query, "cursor": cursor}, headers=headers)
            body = response.json() if response.content else {}
            if not (
                response.status_code == 400
                and response.headers["content-type"].startswith("application/problem+json")
                and body.get("type") == "urn:canet:problem:invalid-cursor"
                and body.get("status") == 400
            ):
                failures.append(f"{template} {query} cursor {name}: {response.status_code}")
    assert not failures, "\n".join(failures)


async def test_well_formed_cursors_page_even_at_the_extremes(
    client: httpx.AsyncClient, world: tuple[dict[str, Member], dict[str, str]]
) -> None:
    members, params = world
    failures: list[str] = []
    for template, role, query, kinds in LISTINGS:
        url, headers = _url(template, params), members[role].headers
        for name, cursor in extreme_cursors(kinds).items():
            response = await client.get(url, params={**query, "cursor": cursor}, headers=headers)
            if response.status_code != 200:
                failures.append(f"{template} {query} cursor {name}: {response.status_code}")
    assert not failures, "\n".join(failures)


async def _walk(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], **query: str
) -> list[str]:
    ids: list[str] = []
    cursor: str | None = None
    for _ in range(50):
        params = {**query, "limit": "1", **({"cursor": cursor} if cursor else {})}
        response = await client.get(url, params=params, headers=headers)
        assert response.status_code == 200, response.text
        ids += [item["id"] for item in response.json()["items"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return ids
    raise AssertionError(f"{url} never ended")


async def test_real_cursors_walk_every_row_once_even_on_ties(
    client: httpx.AsyncClient,
    session: AsyncSession,
    world: tuple[dict[str, Member], dict[str, str]],
) -> None:
    members, params = world
    moderator, officer = members["moderator"].headers, members["officer"].headers
    # Ties on the leading sort key: only the id tells these rows apart.
    at = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    session.add_all(
        [
            ContactFailureReport(
                authority_id=uuid.UUID(params["authority_id"]), channel="email", created_at=at
            )
            for _ in range(3)
        ]
    )
    for n in range(3):
        await make_authority(session, state_code="ITA", name=f"Procura antimafia {n}")
        await make_forum(session, name=f"Tied forum {n}")
    session.add_all(
        [
            Application(
                email=f"applicant{n}@example.org",
                handle=f"applicant{n}",
                full_name=f"Applicant {n}",
                position="prosecutor",
                justification="casework",
                authority_id=uuid.UUID(params["authority_id"]),
                password_hash="!",
                status="pending_review",
                created_at=at,
            )
            for n in range(3)
        ]
    )
    await session.commit()
    for n in range(2):
        thread = await client.post(
            f"{API}/forums/{params['forum_id']}/threads",
            json={"title": f"Thread {n}", "body": "body", "tags": []},
            headers=officer,
        )
        assert thread.status_code == 201, thread.text
        await client.post(
            f"{API}/threads/{params['thread_id']}/posts",
            json={"body": f"reply {n}"},
            headers=officer,
        )
    pinned = await client.post(f"{API}/threads/{thread.json()['id']}/pin", headers=moderator)
    assert pinned.status_code == 200, pinned.text
    for template, headers, query in [
        ("/directory/contact-failures", moderator, {}),
        ("/authorities", officer, {"q": "antimafia"}),
        ("/authorities", officer, {}),
        ("/forums", officer, {}),
        ("/forums/{forum_id}/threads", officer, {}),
        ("/threads/{thread_id}/posts", officer, {}),
        ("/vetting/applications", moderator, {}),
        ("/users", moderator, {}),
        ("/treaties", officer, {}),
    ]:
        url = _url(template, params)
        whole = await client.get(url, params={**query, "limit": "100"}, headers=headers)
        expected = [item["id"] for item in whole.json()["items"]]
        assert len(expected) >= 1, template
        assert await _walk(client, url, headers, **query) == expected, f"{template} {query}"


# --- the helper itself ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kinds", "values"),
    [
        ((Key.int,), [2**63 - 1]),
        ((Key.int,), [-(2**63)]),
        ((Key.int4, Key.str, Key.uuid), [7, "Général", UUID]),
        ((Key.bool, Key.datetime, Key.uuid), [False, "2024-05-01T10:00:00.123456+00:00", UUID]),
        ((Key.date, Key.uuid), ["9999-12-31", UUID]),
        ((Key.float, Key.uuid), [0.0607927, UUID]),
    ],
)
def test_real_cursors_round_trip(
    kinds: tuple[Callable[[Any], Any], ...], values: list[Any]
) -> None:
    decoded = decode_cursor(encode_cursor(values), *kinds)
    assert decoded is not None
    assert encode_cursor(list(decoded)) == encode_cursor(values)


@pytest.mark.parametrize(
    ("kinds", "values"),
    [
        ((Key.int,), [2**63]),
        ((Key.int,), [True]),
        ((Key.int,), [1.0]),
        ((Key.int4, Key.str, Key.uuid), [2**31, "a", UUID]),
        ((Key.str, Key.uuid), ["x" * 1001, UUID]),
        ((Key.bool, Key.datetime, Key.uuid), [1, "2024-05-01T10:00:00+00:00", UUID]),
        ((Key.datetime, Key.uuid), ["2024-05-01T10:00:00", UUID]),
        ((Key.datetime, Key.uuid), ["0001-01-01T00:00:00+01:00", UUID]),
        ((Key.date, Key.uuid), [20240101, UUID]),
        ((Key.float, Key.uuid), [True, UUID]),
        ((Key.uuid,), [12]),
        ((Key.uuid,), [{"a": 1}]),
    ],
)
def test_wrong_shapes_are_refused(kinds: tuple[Callable[[Any], Any], ...], values: Any) -> None:
    with pytest.raises(BadRequest) as caught:
        decode_cursor(encode_cursor(values), *kinds)
    assert caught.value.code == "invalid-cursor"


def test_page_trims_the_extra_row_and_points_after_the_last() -> None:
    items, cursor = page([1, 2, 3], 2, key=lambda n: [n])
    assert items == [1, 2] and decode_cursor(cursor, Key.int) == (2,)
    assert page([1, 2], 2, key=lambda n: [n]) == ([1, 2], None)
    assert decode_cursor(None, Key.int) is None and decode_cursor("", Key.int) is None
