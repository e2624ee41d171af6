"""Who may receive an event, decided at send time against current permissions.

Decisions are made per audience for all connected members at once: a case's participants
are read once per case event, and a forum's readers with one query over the members' current
rows (the forums domain's audience rule as a WHERE clause). Nothing is cached: a member
removed from a case or a group stops receiving its events with the very next event.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.auth.actor import Actor
from app.auth.permissions import Permission
from app.db import Database
from app.realtime.stream import Audience, StreamEvent

log = logging.getLogger(__name__)


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError):
        return None


class AccessPolicy:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def entitled(
        self, audiences: Iterable[Audience], actors: list[Actor]
    ) -> dict[Audience, set[uuid.UUID]]:
        """For each audience, the members among `actors` who may receive its events now."""
        result: dict[Audience, set[uuid.UUID]] = {}
        pending = list(dict.fromkeys(audiences))
        if not actors or not pending:
            return {audience: set() for audience in pending}
        async with self.database.sessionmaker() as session:
            for audience in pending:
                try:
                    result[audience] = await self._members_for(session, audience, actors)
                except Exception:
                    # Fail closed for this audience only: one broken check must not stall
                    # the stream for everyone else.
                    log.exception("access check for %s failed; event withheld", audience)
                    result[audience] = set()
                    await session.rollback()
        return result

    async def visible(self, actor: Actor, events: list[StreamEvent]) -> list[StreamEvent]:
        """The subset of `events` that `actor` may receive, in order."""
        allowed = await self.entitled((e.audience for e in events), [actor])
        return [e for e in events if actor.user_id in allowed[e.audience]]

    async def _members_for(
        self, session: AsyncSession, audience: Audience, actors: list[Actor]
    ) -> set[uuid.UUID]:
        kind, ident = audience
        members = [a for a in actors if a.user_id is not None]
        if kind == "user":
            # Even a member whose vetting lapsed receives their own notifications.
            return {a.user_id for a in members if a.user_id is not None and str(a.user_id) == ident}
        receivers = [a for a in members if a.can(Permission.EVENTS_RECEIVE)]
        if kind == "moderators":
            return {a.user_id for a in receivers if a.can(Permission.FORUM_MODERATE) and a.user_id}
        if kind == "authority":
            return {
                a.user_id
                for a in receivers
                if a.user_id is not None and str(a.authority_id) == str(ident)
            }
        target = _uuid(ident)
        if target is None:
            return set()
        if kind == "case":
            return await self._case_members(session, target, receivers)
        if kind in ("thread", "forum"):
            return await self._forum_members(session, kind, target, receivers)
        log.warning("event audience kind %r is unknown; delivered to nobody", kind)
        return set()

    async def _case_members(
        self, session: AsyncSession, case_id: uuid.UUID, receivers: list[Actor]
    ) -> set[uuid.UUID]:
        candidates = [a for a in receivers if a.can(Permission.CASE_ACCESS)]
        if not candidates:
            return set()
        from app.cases import service as cases_service

        participants = set(await cases_service.participant_user_ids(session, case_id))
        return {a.user_id for a in candidates if a.user_id in participants and a.user_id}

    async def _forum_members(
        self, session: AsyncSession, kind: str, target: uuid.UUID, receivers: list[Actor]
    ) -> set[uuid.UUID]:
        if not receivers:
            return set()
        from app.forums.access import member_reads_forum_clause
        from app.models.forums import Forum, Thread
        from app.models.identity import User

        # Two queries per forum or thread, whatever the number of connected members: the
        # forum's audience rule as a WHERE clause over the members' current rows.
        if kind == "thread":
            forum = await session.scalar(
                select(Forum)
                .join(Thread, col(Thread.forum_id) == col(Forum.id))
                .where(col(Thread.id) == target)
            )
        else:
            forum = await session.get(Forum, target)
        if forum is None:
            return set()
        ids = [a.user_id for a in receivers if a.user_id is not None]
        readers = await session.execute(
            select(col(User.id)).where(col(User.id).in_(ids), member_reads_forum_clause(forum))
        )
        return set(readers.scalars())
