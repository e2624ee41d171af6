"""Every route of the app has a role table entry, and each role gets what the table says.

For each route (method + OpenAPI path under /api/v1; websockets excluded) and each role, a
fresh member calls it with random UUIDs for path parameters and `{}` as JSON body:
- a listed role never gets 401 or 403 (it may get 404, 409, 422...: the object decides);
- anonymous, when not listed, gets 401; an unlisted role gets 403 or 404.
A route with no entry, or an entry for a route that does not exist, fails the test.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import uuid

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

import tests.route_access
from tests.factories import make_authority, make_member

ROLES = ("admin", "moderator", "auditor", "officer", "liaison_magistrate")
PREFIX = "/api/v1"
_PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")


def collect_tables() -> dict[tuple[str, str], set[str]]:
    table: dict[tuple[str, str], set[str]] = {}
    for module in pkgutil.iter_modules(tests.route_access.__path__):
        routes = importlib.import_module(f"tests.route_access.{module.name}").ROUTES
        for key, roles in routes.items():
            assert key not in table, f"{key} has entries in two route_access modules"
            table[key] = set(roles)
    return table


def app_routes(app: FastAPI) -> list[tuple[str, str]]:
    # The OpenAPI document lists every HTTP route (websockets are not in it) with the path
    # template clients see, whatever way the routers were mounted.
    paths = app.openapi()["paths"]
    found = [
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith(PREFIX + "/")
        for method in operations
        if method in ("get", "post", "put", "patch", "delete")
    ]
    return sorted(set(found))


def allowed(entry: set[str], role: str) -> bool:
    if "anonymous" in entry:
        return True
    if role == "anonymous":
        return False
    return "any" in entry or role in entry


def test_every_route_has_an_entry(app: FastAPI) -> None:
    table = collect_tables()
    routes = app_routes(app)
    missing = [r for r in routes if r not in table]
    stale = [k for k in table if k not in set(routes)]
    assert not missing, f"routes without an entry in tests/route_access/: {missing}"
    assert not stale, f"entries for routes that do not exist: {stale}"


async def test_each_role_gets_what_the_table_says(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    table = collect_tables()
    routes = [r for r in app_routes(app) if r in table]
    authority = await make_authority(session)
    # Fresh members per route: a route may end the caller's session (logout).
    members = {
        (key, role): await make_member(session, roles=[role], authority=authority)
        for key in routes
        for role in ROLES
    }
    await session.commit()
    failures = []
    for method, path in routes:
        url = _PARAM.sub(lambda _m: str(uuid.uuid4()), path)
        entry = table[(method, path)]
        for role in ("anonymous", *ROLES):
            headers = {} if role == "anonymous" else members[((method, path), role)].headers
            kwargs = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
            response = await client.request(method, url, headers=headers, **kwargs)
            status = response.status_code
            if allowed(entry, role):
                ok = status not in (401, 403)
            elif role == "anonymous":
                ok = status == 401
            else:
                ok = status in (403, 404)
            if not ok:
                failures.append(f"{method} {path} as {role}: {status}")
    assert not failures, "\n".join(failures)
