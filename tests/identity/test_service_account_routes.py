"""A service account's token on every route of the app: its scopes open exactly their routes.

For each route (method + OpenAPI path under /api/v1) and a token of each scope (and one with
all four), called with random UUIDs and `{}` as the JSON body:
- a route the token's scope opens never answers 401 or 403 (it may answer 404, 409, 422...);
- a route of a domain a service account never sees (forums, posts) answers 404;
- a route of identity, the audit log or notifications answers 403 `insufficient-scope`;
- a cases or directory route outside the token's scopes answers 403 `insufficient-scope`;
- a route this table does not know (a new domain) answers 403 or 404, never anything else.

The table below is written independently of the domains' declarations in app/domains.py, so
a declaration that opens too much (or a route that escapes its domain's guard) fails here.
"""

from __future__ import annotations

import re
import uuid

import httpx
from fastapi import FastAPI

from tests.cases.conftest import Network
from tests.identity.service_account_kit import ALL_SCOPES, approved_account, bearer, new_key
from tests.identity.service_account_kit import token_for as issue
from tests.test_route_permissions import app_routes

PREFIX = "/api/v1"
_PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")

_CASES = ("/cases",)
# Search within cases (and the directory, with its scope); never forums (a 404 for it).
_SEARCH = ("/search",)
_DIRECTORY = (
    "/states",
    "/authorities",
    "/treaties",
    "/finder",
    "/requirements",
    "/requirement-sheets",
    "/directory",
)
_EVENTS = ("/events",)
_NEVER_SEEN = (
    "/forums",
    "/threads",
    "/posts",
    "/groups",
    "/moderation",
    "/me/forum-settings",
    "/me/followed-threads",
)
_NO_SCOPE = (
    "/auth",
    "/me",
    "/users",
    "/vetting",
    "/role-changes",
    "/service-accounts",
    "/oauth",
    "/audit",
    "/notifications",
)


def _under(path: str, prefixes: tuple[str, ...]) -> bool:
    return any(path == p or path.startswith(p + "/") or path.startswith(p + "?") for p in prefixes)


def expected(method: str, path: str) -> str:
    """The scope that opens the route, or "hidden" (404), "refused" (403), "unknown"."""
    path = path.removeprefix(PREFIX)
    read = method == "GET"
    if _under(path, _NEVER_SEEN):
        return "hidden"
    if _under(path, _CASES):
        return "cases:read" if read else "cases:write"
    if _under(path, _SEARCH):
        return "cases:read" if read else "refused"
    if _under(path, _DIRECTORY):
        return "directory:read" if read else "refused"
    if _under(path, _EVENTS):
        return "events:read" if read else "refused"
    if _under(path, _NO_SCOPE):
        return "refused"
    return "unknown"


async def test_each_scope_opens_exactly_its_routes(
    app: FastAPI, client: httpx.AsyncClient, net: Network
) -> None:
    tokens: dict[str, tuple[frozenset[str], str]] = {}
    for scopes in [ALL_SCOPES, *([s] for s in ALL_SCOPES)]:
        key = new_key()
        account = await approved_account(
            client, net.fr_focal, net.moderator, key, name=" ".join(scopes), scopes=scopes
        )
        tokens[" ".join(scopes)] = (frozenset(scopes), await issue(client, account["id"], key))

    failures = []
    routes = app_routes(app)
    assert len(routes) > 100
    for method, path in routes:
        url = _PARAM.sub(lambda _m: str(uuid.uuid4()), path)
        kwargs = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
        if path == PREFIX + "/events":
            url += "?timeout=0"
        need = expected(method, path)
        for label, (scopes, token) in tokens.items():
            response = await client.request(method, url, headers=bearer(token), **kwargs)
            status = response.status_code
            kind = response.json().get("type") if status in (403, 404) else None
            if need in scopes:
                ok = status not in (401, 403)
            elif need == "hidden":
                ok = status == 404
            elif need == "unknown":
                ok = status in (403, 404)
            else:  # refused, or a scope this token lacks
                ok = status == 403 and kind == "urn:canet:problem:insufficient-scope"
            if not ok:
                failures.append(f"{method} {path} with [{label}]: {status} {kind or ''}")
    assert not failures, "\n".join(failures)
