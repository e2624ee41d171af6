"""Who may receive an event, decided at send time against current permissions.

Decisions are made per audience for all connected members at once. Audiences that need only
the members' own rows (the member themself, moderators, an authority's members) are decided
here; every other kind belongs to a domain, which declares who may receive it in its
events.py (app.core.event_rules): a case's participants, a forum's readers. Nothing is
cached: a member removed from a case or a group stops receiving its events with the very
next event.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.auth.permissions import Permission
from app.core import event_rules
from app.db import Database, database_unavailable
from app.realtime.stream import Audience, StreamEvent

log = logging.getLogger(__name__)


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError):
        return None


@dataclass(frozen=True, slots=True)
class _Connected:
    """The connected members, sorted once per decision rather than once per audience: a
    batch of events names many audiences (each notification its member's), and going
    through a worker's thousand members for each of them was near half of deciding who
    receives a batch (py-spy on the workers, 2,000 members at once)."""

    ids: frozenset[uuid.UUID]  # every member (their own notifications)
    receivers: list[Actor]  # those whose roles let them receive events

    @classmethod
    def of(cls, actors: list[Actor]) -> _Connected:
        members = [a for a in actors if a.user_id is not None]
        return cls(
            ids=frozenset(a.user_id for a in members if a.user_id is not None),
            receivers=[a for a in members if a.can(Permission.EVENTS_RECEIVE)],
        )


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
        members = _Connected.of(actors)
        async with self.database.sessionmaker() as session:
            for audience in pending:
                try:
                    result[audience] = await self._members_for(session, audience, members)
                except Exception as exc:
                    if database_unavailable(exc):
                        # Not a refusal: nobody can be checked now. The caller keeps the
                        # events and tries again (the hub re-reads the batch, a resuming
                        # socket is closed and resumes), so none is lost to an outage.
                        raise
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
        self, session: AsyncSession, audience: Audience, members: _Connected
    ) -> set[uuid.UUID]:
        kind, ident = audience
        target = _uuid(ident) if kind != "moderators" else None
        if kind == "user":
            # Even a member whose vetting lapsed receives their own notifications.
            return {target} if target in members.ids else set()
        receivers = members.receivers
        if kind == "moderators":
            return {a.user_id for a in receivers if a.can(Permission.FORUM_MODERATE) and a.user_id}
        if target is None:
            return set()
        if kind == "authority":
            return {a.user_id for a in receivers if a.user_id and a.authority_id == target}
        resolver = event_rules.audience_resolver(kind)
        if resolver is None:
            log.warning("event audience kind %r is unknown; delivered to nobody", kind)
            return set()
        if not receivers:
            return set()
        return await resolver(session, target, receivers)
