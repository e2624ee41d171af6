"""FastAPI dependencies: CurrentUser and RequirePermission.

Every request judges its member and session afresh, so a suspension, a revoked session or a
lapsed vetting takes effect within a second on every worker, not when the access token
expires. The rows come from the database (one indexed query) or, while the worker hears
every change to them, from its actor cache (app/auth/actor_cache.py). The same query serves
service accounts: their sessions carry the scopes of the token, and their account row its
address allow-list, checked on every request.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

import sqlalchemy as sa
from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.auth.actor import Actor
from app.auth.actor_cache import ActorCache
from app.auth.permissions import Permission
from app.auth.scopes import AddressNotAllowed, address_allowed
from app.auth.tokens import InvalidToken, decode_access_token
from app.config import Settings
from app.core import audit
from app.core.audit import Target
from app.core.errors import Forbidden, Unauthorized
from app.core.refusal import refuse
from app.db import DbSession, Prepared, read
from app.models.identity import ServiceAccount, User, UserSession

_BEARER = "bearer "
# Browser sessions: `__Host-` pins the cookie to this origin over https; plain-http
# development (CANET_COOKIE_SECURE=false) uses the unprefixed name.
SESSION_COOKIE = "__Host-canet_session"
DEV_SESSION_COOKIE = "canet_session"
CSRF_COOKIE = "canet_csrf"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
AuthDependency = TypeVar("AuthDependency", bound=Callable[..., Awaitable[Actor]])


def request_actor_context(request: Request) -> dict[str, str | None]:
    """Client address, user agent and request id of the caller, for actors and audit rows."""
    return {
        "client_ip": request.client.host if request.client else None,
        "user_agent": (request.headers.get("user-agent") or "")[:512] or None,
        "request_id": getattr(request.state, "request_id", None),
    }


def anonymous_actor(request: Request) -> Actor:
    return Actor.anonymous(**request_actor_context(request))


def actor_cache(request: Request) -> ActorCache | None:
    """The worker's actor cache, if it keeps one (CANET_ACTOR_CACHE)."""
    return getattr(request.app.state, "actor_cache", None)


def _bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header and header.lower().startswith(_BEARER):
        return header[len(_BEARER) :].strip() or None
    return None


async def load_actor(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    session_id: uuid.UUID,
    context: dict[str, str | None],
    cache: ActorCache | None = None,
) -> Actor | None:
    """The actor behind a live session of an active member, or None."""
    row = cache.row(session_id, user_id) if cache is not None else None
    if row is None:
        generation = cache.generation if cache is not None else 0
        # Columns, not entities: loading two full ORM objects (identity map, instance
        # state) cost about 0.3 ms of CPU each time (bench: GET /me).
        row = (
            await read(session, _ACTOR_QUERY, {"session_id": session_id, "user_id": user_id})
        ).first()
        if row is None:
            return None
        if cache is not None:
            cache.store(session_id, user_id, row, generation)
    now = datetime.now(UTC)
    if row.status != "active" or row.revoked_at is not None:
        return None
    if row.expires_at <= now:
        return None
    if row.kind == "service":
        return await _service_actor(
            session, row, user_id=user_id, session_id=session_id, context=context
        )
    return Actor.for_member(
        user_id=user_id,
        session_id=session_id,
        roles=row.roles,
        authority_id=row.authority_id,
        focal_point=row.focal_point,
        handle=row.handle,
        full_name=row.full_name,
        vetting_expires_at=row.vetting_expires_at,
        now=now,
        **context,
    )


async def _service_actor(
    session: AsyncSession,
    row: Any,
    *,
    user_id: uuid.UUID,
    session_id: uuid.UUID,
    context: dict[str, str | None],
) -> Actor | None:
    """The actor of a service account's token; 403 from an address outside its allow-list."""
    if row.scopes is None:  # only tokens from POST /oauth/token open its sessions
        return None
    actor = Actor.for_service_account(
        user_id=user_id,
        session_id=session_id,
        authority_id=row.authority_id,
        scopes=row.scopes,
        handle=row.handle,
        full_name=row.full_name,
        **context,
    )
    address = context.get("client_ip")
    if not address_allowed(address, row.ip_allowlist or []):
        await refuse(
            session,
            AddressNotAllowed(),
            actor=actor,
            action="service_account.address_refused",
            target=Target("service_account", user_id),
            details={"address": address},
            authority_ids=[row.authority_id],
        )
    return actor


_ACTOR_QUERY = Prepared(
    sa.select(
        col(User.status),
        col(User.roles),
        col(User.authority_id),
        col(User.focal_point),
        col(User.handle),
        col(User.full_name),
        col(User.vetting_expires_at),
        col(User.kind),
        col(UserSession.revoked_at),
        col(UserSession.expires_at),
        col(UserSession.scopes),
        col(ServiceAccount.ip_allowlist),
    )
    .join(UserSession, col(UserSession.user_id) == col(User.id))
    # A primary-key probe that finds nothing for a member.
    .outerjoin(ServiceAccount, col(ServiceAccount.id) == col(User.id))
    .where(
        col(UserSession.id) == sa.bindparam("session_id"),
        col(User.id) == sa.bindparam("user_id"),
    )
)


# Built once, as _ACTOR_QUERY: every request of a browser runs it.
_COOKIE_SESSION_QUERY = Prepared(
    sa.select(col(UserSession.id), col(UserSession.user_id)).where(
        col(UserSession.cookie_hash) == sa.bindparam("cookie_hash"),
        col(UserSession.kind) == "cookie",
    )
)


def csrf_token_for(secret_key: str, session_id: uuid.UUID) -> str:
    """The CSRF token of a cookie session: derived from its id, so nothing more is stored."""
    return hmac.new(
        secret_key.encode(), b"canet/csrf/v1:" + session_id.bytes, hashlib.sha256
    ).hexdigest()


def csrf_token_matches(sent: str, session_id: uuid.UUID, settings: Settings) -> bool:
    """Whether `sent` is the session's CSRF token under the secret key or, during a rotation,
    a previous one (made before the rotation; it lives as long as its session)."""
    keys = (settings.resolved_secret_key(), *settings.previous_secret_keys())
    return any(
        hmac.compare_digest(sent.encode(), csrf_token_for(key, session_id).encode()) for key in keys
    )


async def _cookie_actor(request: Request, session: AsyncSession, cookie: str) -> Actor:
    """The browser path: an opaque HttpOnly session cookie plus, on writes, a CSRF header."""
    cookie_hash = hashlib.sha256(cookie.encode()).hexdigest()
    cache = actor_cache(request)
    known = cache.cookie(cookie_hash) if cache is not None else None
    if known is None:
        generation = cache.generation if cache is not None else 0
        row = (await read(session, _COOKIE_SESSION_QUERY, {"cookie_hash": cookie_hash})).first()
        if row is None:
            raise Unauthorized("The session has ended; sign in again.")
        known = (row.id, row.user_id)
        if cache is not None:
            cache.store_cookie(cookie_hash, *known, generation)
    session_id, user_id = known
    if request.method not in _SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER) or ""
        if not csrf_token_matches(sent, session_id, request.app.state.settings):
            raise Forbidden(f"Send the {CSRF_HEADER} header with cookie sessions.", code="csrf")
    actor = await load_actor(
        session,
        user_id=user_id,
        session_id=session_id,
        context=request_actor_context(request),
        cache=cache,
    )
    if actor is None:
        raise Unauthorized("The session has ended; sign in again.")
    request.state.user_id = actor.user_id
    return actor


async def authenticate(request: Request, session: AsyncSession) -> Actor:
    token = _bearer_token(request)
    if token is None:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie is None and request.url.scheme != "https":
            # Over https only the __Host- cookie counts: a sibling subdomain can plant a plain
            # cookie, never a __Host- one (session fixation).
            cookie = request.cookies.get(DEV_SESSION_COOKIE)
        if cookie:
            return await _cookie_actor(request, session, cookie)
        raise Unauthorized("Sign in first: send `Authorization: Bearer <access_token>`.")
    try:
        settings = request.app.state.settings
        claims = decode_access_token(
            settings.resolved_secret_key(), token, previous=settings.previous_secret_keys()
        )
    except InvalidToken as exc:
        raise Unauthorized("The access token is invalid or expired.") from exc
    actor = await load_actor(
        session,
        user_id=claims.user_id,
        session_id=claims.session_id,
        context=request_actor_context(request),
        cache=actor_cache(request),
    )
    if actor is None:
        raise Unauthorized("The session has ended; sign in again.")
    request.state.user_id = actor.user_id
    if actor.service_account and not getattr(request.state, "service_call_recorded", False):
        await _record_service_call(request, session, actor)
    return actor


async def _record_service_call(request: Request, session: AsyncSession, actor: Actor) -> None:
    """Every call of a national system is on the record, reads included, not only the writes
    and case reads that people's requests leave: the entry names the account, its token's
    session (whose `service_account.token_issued` entry names the key), the method and path. It is
    written with the request's transaction, so a call that fails leaves its refusal instead."""
    request.state.service_call_recorded = True
    await audit.record(
        session,
        actor=actor,
        action="service_account.call",
        target=Target("service_account", actor.user_id),
        details={"method": request.method, "path": request.url.path},
        authority_ids=[actor.authority_id],
    )


# The dependencies that authenticate the caller, for the OpenAPI document (app.main): an
# operation that depends on one of them needs a signed-in member. A dependency that calls
# `current_user` itself, rather than depending on it (one level less for FastAPI to solve on
# every request), registers here with `signs_in`.
SIGN_IN_DEPENDENCIES: set[Callable[..., Any]] = set()


def signs_in(call: AuthDependency) -> AuthDependency:
    SIGN_IN_DEPENDENCIES.add(call)
    return call


@signs_in
async def current_user_allow_expired(request: Request, session: DbSession) -> Actor:
    return await authenticate(request, session)


@signs_in
async def current_user(request: Request, session: DbSession) -> Actor:
    actor = await authenticate(request, session)
    if actor.vetting_expired:
        raise Forbidden(
            "Your vetting has expired; a moderator must re-attest your membership.",
            code="vetting-expired",
        )
    return actor


CurrentUser = Annotated[Actor, Depends(current_user, scope="function")]
# Only for what an expired member may still do: their profile, notifications, sign-out.
CurrentUserAllowExpired = Annotated[Actor, Depends(current_user_allow_expired, scope="function")]


def RequirePermission(permission: Permission) -> Any:
    """A dependency that yields the actor if their roles grant `permission`, else 403.

    It authenticates itself rather than through a CurrentUser dependency: one level less for
    FastAPI to solve on every such request (an endpoint never takes both)."""

    async def check(request: Request, session: DbSession) -> Actor:
        actor = await current_user(request, session)
        if not actor.can(permission):
            raise Forbidden(f"Your role does not allow this ({permission.value}).")
        return actor

    check.__name__ = f"require_{permission.name.lower()}"
    return Depends(signs_in(check), scope="function")
