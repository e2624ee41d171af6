"""What other domains call: participation checks and permission-filtered search."""

from __future__ import annotations

import html
import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.auth.actor import Actor
from app.auth.permissions import Permission
from app.cases.access import case_side, load_case, readable_clause
from app.core import audit
from app.core.errors import NotFound
from app.models.base import utcnow
from app.models.cases import Case, CaseMessage, CaseParticipant
from app.models.identity import User
from app.search.query import has_words, prefix_query
from app.search.schemas import SearchHit

# Private-use characters mark the matches; they are removed from the text first so that no
# case text can forge a <mark> (the rest of the snippet is HTML-escaped).
_OPEN, _CLOSE = "\ue000", "\ue001"
_HEADLINE = f"StartSel={_OPEN}, StopSel={_CLOSE}, MaxWords=30, MinWords=8, MaxFragments=2"


def _actor_of(user: User) -> Actor:
    return Actor.for_member(
        user_id=user.id,
        roles=user.roles,
        authority_id=user.authority_id,
        focal_point=user.focal_point,
        handle=user.handle,
        vetting_expires_at=user.vetting_expires_at,
        now=utcnow(),
    )


async def is_participant(
    session: AsyncSession, actor_or_user_id: Actor | uuid.UUID, case_id: uuid.UUID
) -> bool:
    """Whether this member may see the case now (the realtime audience check)."""
    if isinstance(actor_or_user_id, Actor):
        actor = actor_or_user_id
    else:
        user = await session.get(User, actor_or_user_id)
        if user is None or user.status != "active":
            return False
        actor = _actor_of(user)
    try:
        await load_case(session, actor, case_id)
    except NotFound:
        return False
    return True


async def participant_user_ids(session: AsyncSession, case_id: uuid.UUID) -> list[uuid.UUID]:
    """Every active member who may see the case now (for notifications)."""
    case = await session.get(Case, case_id)
    if case is None:
        return []
    now = utcnow()
    participants = {
        p.user_id: p
        for p in (
            await session.execute(
                select(CaseParticipant).where(col(CaseParticipant.case_id) == case_id)
            )
        ).scalars()
    }
    users = (
        await session.execute(
            select(User).where(
                col(User.status) == "active",
                sa.or_(
                    col(User.authority_id).in_(
                        [case.requesting_authority_id, case.requested_authority_id]
                    ),
                    col(User.id).in_(list(participants)),
                ),
            )
        )
    ).scalars()
    return [
        user.id
        for user in users
        if case_side(case, _actor_of(user), participants.get(user.id), now) is not None
    ]


def _snippet(headline: str | None) -> str:
    escaped = html.escape(headline or "")
    return escaped.replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")


async def search_text(
    session: AsyncSession, *, actor: Actor, q: str, limit: int
) -> list[SearchHit]:
    """Cases and case messages matching `q` among those the actor may see, best first."""
    if not actor.can(Permission.CASE_ACCESS) or not has_words(q):
        return []
    query = prefix_query(q)
    case_text = sa.func.concat_ws(" ", Case.reference, Case.title, Case.summary)
    case_vector = sa.func.to_tsvector("simple", case_text)
    case_shown = sa.func.translate(case_text, _OPEN + _CLOSE, "")
    message_shown = sa.func.translate(CaseMessage.body, _OPEN + _CLOSE, "")
    readable = readable_clause(actor)
    case_rows = (
        await session.execute(
            sa.select(
                col(Case.id),
                col(Case.reference),
                col(Case.title),
                sa.func.ts_rank(case_vector, query).label("rank"),
                sa.func.ts_headline("simple", case_shown, query, _HEADLINE).label("snippet"),
            )
            .where(readable, sa.or_(case_vector.op("@@")(query), col(Case.reference) == q.strip()))
            .order_by(sa.desc("rank"))
            .limit(limit)
        )
    ).all()
    message_vector = sa.func.to_tsvector("simple", CaseMessage.body)
    message_rows = (
        await session.execute(
            sa.select(
                col(CaseMessage.id),
                col(CaseMessage.case_id),
                col(Case.reference),
                col(Case.title),
                sa.func.ts_rank(message_vector, query).label("rank"),
                sa.func.ts_headline("simple", message_shown, query, _HEADLINE).label("snippet"),
            )
            .join(Case, col(Case.id) == col(CaseMessage.case_id))
            .where(readable, message_vector.op("@@")(query))
            .order_by(sa.desc("rank"))
            .limit(limit)
        )
    ).all()
    hits = [
        SearchHit(
            scope="cases",
            type="case",
            id=row.id,
            title=f"{row.reference}: {row.title}",
            snippet=_snippet(row.snippet),
            url=f"/api/v1/cases/{row.id}",
            link=f"/cases/{row.id}",
            rank=float(row.rank) + (1.0 if row.reference == q.strip() else 0.0),
        )
        for row in case_rows
    ] + [
        SearchHit(
            scope="cases",
            type="case_message",
            id=row.id,
            title=f"{row.reference}: {row.title}",
            snippet=_snippet(row.snippet),
            url=f"/api/v1/cases/{row.case_id}/messages",
            link=f"/cases/{row.case_id}",
            rank=float(row.rank),
        )
        for row in message_rows
    ]
    hits.sort(key=lambda h: h.rank, reverse=True)
    hits = hits[:limit]
    if hits:
        await audit.record(
            session,
            actor=actor,
            action="case.searched",
            target=None,
            details={"hits": [f"{h.type}:{h.id}" for h in hits]},
            authority_ids=[actor.authority_id],
        )
    return hits
