"""Who is on the other end of a socket or long-poll, and whether they still may be.

A socket authenticates once, with its first message, then the session monitor re-reads the
sessions of every connected client of the worker in one query each `recheck_seconds`: a
revoked session, a suspended member or an ended session closes its sockets within that
interval, and a role change takes effect on the next event.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import col

from app.auth.actor import Actor, vetting_lapsed
from app.auth.dependencies import load_actor
from app.auth.scopes import Scope
from app.auth.tokens import InvalidToken, decode_access_token
from app.config import Settings
from app.core.errors import AppError
from app.db import Database, Prepared
from app.models.identity import User, UserSession
from app.realtime.hub import Hub
from app.realtime.stream import StreamEvent

log = logging.getLogger(__name__)

SESSION_ENDED = 4003


async def actor_from_token(
    database: Database, settings: Settings, token: str, context: dict[str, str | None]
) -> Actor | None:
    """The actor behind an access token of a live session, or None."""
    try:
        claims = decode_access_token(
            settings.resolved_secret_key(), token, previous=settings.previous_secret_keys()
        )
    except InvalidToken:
        return None
    async with database.sessionmaker() as session:
        try:
            actor = await load_actor(
                session, user_id=claims.user_id, session_id=claims.session_id, context=context
            )
        except AppError:  # a service account outside its address allow-list (audited)
            return None
        finally:
            await session.rollback()
    # A service account hears events only with the scope for them (API calls: the guard).
    if actor is not None and actor.service_account and Scope.EVENTS_READ not in actor.scopes:
        return None
    return actor


_STATE = sa.select(
    col(UserSession.id),
    col(UserSession.revoked_at),
    col(UserSession.expires_at),
    col(User.id),
    col(User.status),
    col(User.roles),
    col(User.authority_id),
    col(User.focal_point),
    col(User.handle),
    col(User.vetting_expires_at),
).join(User, col(User.id) == col(UserSession.user_id))
# The sessions of every socket of the worker, each second: one array parameter on the driver
# (an expanding IN of a thousand values was compiled again on each run).
_STATES = Prepared(
    _STATE.where(
        col(UserSession.id) == sa.any_(sa.bindparam("session_ids", type_=ARRAY(sa.Uuid())))
    )
)


async def actor_from_cookie(
    database: Database, cookies: dict[str, str], *, secure: bool, context: dict[str, str | None]
) -> Actor | None:
    """The actor behind a browser's session cookie (the caller has checked the Origin)."""
    from app.auth.dependencies import DEV_SESSION_COOKIE, SESSION_COOKIE

    cookie = cookies.get(SESSION_COOKIE)
    if cookie is None and not secure:
        # As for HTTP: over TLS only the __Host- cookie counts (no planted sibling cookies).
        cookie = cookies.get(DEV_SESSION_COOKIE)
    if not cookie:
        return None
    async with database.sessionmaker() as session:
        row = (
            await session.execute(
                sa.select(col(UserSession.id), col(UserSession.user_id)).where(
                    col(UserSession.cookie_hash) == hashlib.sha256(cookie.encode()).hexdigest(),
                    col(UserSession.kind) == "cookie",
                )
            )
        ).first()
        if row is None:
            return None
        actor = await load_actor(session, user_id=row[1], session_id=row[0], context=context)
        await session.rollback()
    return actor


def _refreshed(actor: Actor, row: Any, now: datetime) -> Actor | None:
    _sid, revoked_at, expires_at, user_id, status, roles, authority_id, focal, handle, vetting = row
    if status != "active" or revoked_at is not None or expires_at <= now:
        return None
    if actor.service_account:
        # Its scopes and authority are those of the session, fixed when the token was issued.
        return actor
    if (
        frozenset(roles),
        authority_id,
        focal,
        vetting_lapsed(vetting, now),
    ) == (actor.roles, actor.authority_id, actor.focal_point, actor.vetting_expired):
        return actor
    return Actor.for_member(
        user_id=user_id,
        session_id=actor.session_id,
        roles=roles,
        authority_id=authority_id,
        focal_point=focal,
        handle=handle,
        vetting_expires_at=vetting,
        now=now,
        client_ip=actor.client_ip,
        user_agent=actor.user_agent,
        request_id=actor.request_id,
    )


class SessionMonitor:
    def __init__(self, database: Database, hub: Hub, *, interval: float) -> None:
        self.database = database
        self.hub = hub
        self.interval = interval
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        hub.on_session_event.append(self._session_event)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="canet-session-monitor")

    def _session_event(self, event: StreamEvent) -> None:
        session_id = str(event.data.get("session_id") or "")
        for sub in list(self.hub.subscribers):
            if session_id and str(sub.actor.session_id) == session_id:
                sub.end(SESSION_ENDED, "session ended")
        self._wake.set()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval)
            self._wake.clear()
            try:
                await self.recheck()
            except Exception:
                log.exception("session re-check failed; retrying")

    async def recheck(self) -> None:
        """Close sockets of ended sessions; refresh the roles of the others."""
        subscribers = list(self.hub.subscribers)
        session_ids = {s.actor.session_id for s in subscribers if s.actor.session_id}
        if not session_ids:
            return
        # Plain rows, not ORM objects: this runs every second over every connected session.
        rows = (await _STATES.fetch(self.database.engine, {"session_ids": list(session_ids)})).all()
        now = datetime.now(UTC)
        current = {row[0]: row for row in rows}
        for sub in subscribers:
            found = current.get(sub.actor.session_id) if sub.actor.session_id else None
            fresh = _refreshed(sub.actor, found, now) if found is not None else None
            if fresh is None:
                sub.end(SESSION_ENDED, "session ended")
            elif fresh is not sub.actor:
                sub.actor = fresh

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
