"""Moderators and admins find members with GET /users?q= by name, handle, email or authority."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import Member, make_authority, make_member

USERS = "/api/v1/users"


async def _found(client: httpx.AsyncClient, caller: Member, q: str, **query: str) -> set[str]:
    response = await client.get(USERS, params={"q": q, **query}, headers=caller.headers)
    assert response.status_code == 200, response.text
    return {u["handle"] for u in response.json()["items"]}


async def test_moderators_find_members_by_name_handle_email_and_authority(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    bka = await make_authority(session, state_code="DEU", name="Bundesamt für Justiz")
    procura = await make_authority(session, state_code="ITA", name="Procura di Palermo")
    moderator = await make_member(session, roles=["moderator"])
    admin = await make_member(session, roles=["admin"])
    await make_member(
        session,
        authority=bka,
        full_name="Annegret Vogelsang",
        handle="a.vogelsang",
        email="av@bfj.example.de",
    )
    await make_member(
        session,
        authority=procura,
        full_name="Salvatore Rizzo",
        handle="s.rizzo",
        email="salvo.rizzo@giustizia.example.it",
    )
    await make_member(session, full_name="Owen O_Brien", handle="o.obrien", email="owen@example.ie")
    await make_member(session, full_name="Pct 100% Sure", handle="pct.sure")
    await session.commit()

    assert await _found(client, moderator, "vogel") == {"a.vogelsang"}  # part of the name
    assert await _found(client, moderator, "VOGELSANG") == {"a.vogelsang"}  # any case
    assert await _found(client, moderator, "s.riz") == {"s.rizzo"}  # part of the handle
    assert await _found(client, moderator, "giustizia.example") == {"s.rizzo"}  # email
    assert await _found(client, moderator, "bfj.EXAMPLE") == {"a.vogelsang"}
    assert await _found(client, moderator, "palermo") == {"s.rizzo"}  # authority name
    assert await _found(client, moderator, "für justiz") == {"a.vogelsang"}
    assert await _found(client, moderator, "ita") == {"s.rizzo"}  # State code
    assert await _found(client, admin, "deu") == {"a.vogelsang"}
    # every word must match, each anywhere
    assert await _found(client, moderator, "salvatore palermo") == {"s.rizzo"}
    assert await _found(client, moderator, "salvatore justiz") == set()
    # wildcards are literal characters
    assert await _found(client, moderator, "o_b") == {"o.obrien"}
    assert await _found(client, moderator, "100%") == {"pct.sure"}
    assert await _found(client, moderator, "%") == {"pct.sure"}
    assert await _found(client, moderator, "_") == {"o.obrien"}
    assert await _found(client, moderator, "nobody-like-this") == set()
    # with the other filters and the cursor
    assert await _found(client, moderator, "o", authority_id=str(procura.id)) == {"s.rizzo"}
    first = await client.get(USERS, params={"q": "example", "limit": 1}, headers=moderator.headers)
    assert first.status_code == 200 and first.json()["next_cursor"]
    rest = await client.get(
        USERS,
        params={"q": "example", "limit": 10, "cursor": first.json()["next_cursor"]},
        headers=moderator.headers,
    )
    handles = [u["handle"] for u in first.json()["items"] + rest.json()["items"]]
    assert set(handles) >= {"a.vogelsang", "s.rizzo", "o.obrien"}
    assert len(handles) == len(set(handles))


async def test_a_search_is_bounded_and_refused_to_officers(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    moderator = await make_member(session, roles=["moderator"])
    officer = await make_member(session, roles=["officer"])
    await session.commit()
    refused = await client.get(USERS, params={"q": "member"}, headers=officer.headers)
    assert refused.status_code == 403
    for q in ("", "x" * 201, "a\x00b"):
        response = await client.get(USERS, params={"q": q}, headers=moderator.headers)
        # A NUL character is refused at the edge (400), before the route sees it.
        assert response.status_code == (400 if "\x00" in q else 422), response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["errors"][0]["field"].endswith("q")


def test_q_is_declared(app: FastAPI) -> None:
    operation = app.openapi()["paths"][USERS]["get"]
    q = next(p for p in operation["parameters"] if p["name"] == "q")
    assert q["in"] == "query" and "State code" in q["description"]
    schema = q["schema"]["anyOf"][0]
    assert schema["minLength"] == 1 and schema["maxLength"] == 200
