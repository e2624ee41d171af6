"""Service accounts' scopes, and how each domain's routes answer a service account.

A service account acts as an officer of its authority, but only within the scopes of its
token. Two layers say so, and both must agree for a call to go through:

- its permissions come from its scopes alone (`permissions_for_scopes`), never from roles, so
  a service check (`actor.can(...)`) refuses whatever no scope grants (forums, search, admin);
- each domain declares in the manifest (`app/domains.py`) which scope its reads and its
  writes need (`ServiceAccess`); a router-level dependency (`service_access_guard`) checks it
  on every route of the domain before anything else runs, so a new route is covered by its
  domain's declaration, and a new domain that declares nothing is invisible (404).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from fastapi import Depends
from starlette.requests import HTTPConnection

from app.auth.permissions import Permission
from app.auth.tokens import InvalidToken, decode_access_token
from app.core.errors import Forbidden, NotFound


class Scope(StrEnum):
    CASES_READ = "cases:read"
    CASES_WRITE = "cases:write"
    DIRECTORY_READ = "directory:read"
    EVENTS_READ = "events:read"


SCOPE_NAMES: frozenset[str] = frozenset(s.value for s in Scope)

_SCOPE_PERMISSIONS: dict[Scope, frozenset[Permission]] = {
    # Searching too: app/search answers it only within cases (and the directory with
    # directory:read), never forums.
    Scope.CASES_READ: frozenset({Permission.CASE_ACCESS, Permission.SEARCH}),
    Scope.CASES_WRITE: frozenset({Permission.CASE_ACCESS, Permission.CASE_CREATE}),
    Scope.DIRECTORY_READ: frozenset({Permission.DIRECTORY_READ}),
    Scope.EVENTS_READ: frozenset({Permission.EVENTS_RECEIVE}),
}


def permissions_for_scopes(scopes: frozenset[str] | set[str]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for scope in scopes:
        if scope in SCOPE_NAMES:
            granted |= _SCOPE_PERMISSIONS[Scope(scope)]
    return frozenset(granted)


class InsufficientScope(Forbidden):
    code, title = "insufficient-scope", "Outside the token's scope"

    def __init__(self, needed: Scope | None) -> None:
        challenge = 'Bearer error="insufficient_scope"'
        extra: dict[str, Any] = {"error": "insufficient_scope"}
        if needed is None:
            detail = "A service account may not use this route."
        else:
            detail = f"This route needs the scope {needed.value}, which the token does not carry."
            challenge += f', scope="{needed.value}"'
            extra["scope"] = needed.value
        super().__init__(detail, headers={"WWW-Authenticate": challenge}, extra=extra)


class AddressNotAllowed(Forbidden):
    code, title = "address-not-allowed", "Not from an allowed address"

    def __init__(self) -> None:
        super().__init__("This service account may not be used from this address.")


def address_allowed(address: str | None, allowlist: Iterable[object]) -> bool:
    """Whether `address` lies in one of the allow-list's networks (an empty list allows all)."""
    networks = [ipaddress.ip_network(str(n), strict=False) for n in allowlist]
    if not networks:
        return True
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == n.version and ip in n for n in networks)


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class ServiceAccess:
    """What a domain's routes need from a service account's token.

    `read` is the scope its GET routes need, `write` the scope of every other method (None:
    no scope opens them, 403). `hidden` makes every route of the domain answer 404, as for
    what the caller may not see at all.
    """

    read: Scope | None = None
    write: Scope | None = None
    hidden: bool = False

    def check(self, method: str, scopes: frozenset[str]) -> None:
        """Raise unless a token with `scopes` may call a route of this domain with `method`."""
        if self.hidden:
            raise NotFound()
        needed = self.read if method.upper() in _SAFE_METHODS else self.write
        if needed is None or needed.value not in scopes:
            raise InsufficientScope(needed)


# Forums, search and every domain that declares nothing: a service account never sees them.
HIDDEN = ServiceAccess(hidden=True)
# Visible domains no scope opens (identity, audit, notifications): 403.
NO_SCOPE = ServiceAccess()


_BEARER = "bearer "


def service_access_guard(access: ServiceAccess) -> Any:
    """The router-level dependency of a domain: checks a service account's token against the
    domain's declaration. Members' tokens, cookies and anonymous calls pass untouched (their
    routes authenticate them as before); so does an invalid token, which the route answers
    with 401. Websockets authenticate with their first message (app/realtime), not here."""

    async def guard(connection: HTTPConnection) -> None:
        if connection.scope.get("type") != "http":
            return
        header = connection.headers.get("authorization") or ""
        if not header.lower().startswith(_BEARER):
            return
        settings = connection.app.state.settings
        try:
            claims = decode_access_token(
                settings.resolved_secret_key(),
                header[len(_BEARER) :].strip(),
                previous=settings.previous_secret_keys(),
            )
        except InvalidToken:
            return
        if claims.scopes is not None:
            access.check(connection.scope.get("method", "GET"), claims.scopes)

    guard_fn: Callable[[HTTPConnection], Coroutine[Any, Any, None]] = guard
    return Depends(guard_fn)
