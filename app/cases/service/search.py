"""Search in cases and their messages, filtered to what the caller may see (the search page
and its providers' contract)."""

from __future__ import annotations

import html

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.auth.permissions import Permission
from app.cases import repository
from app.cases.access import readable_clause
from app.core import audit
from app.search.query import has_words, prefix_query
from app.search.schemas import SearchHit


def _snippet(headline: str | None) -> str:
    # The marks are private-use characters stripped from the text before matching, so only
    # the database's marks become <mark>; everything else is escaped.
    escaped = html.escape(headline or "")
    return escaped.replace(repository.MATCH_START, "<mark>").replace(
        repository.MATCH_END, "</mark>"
    )


async def search_text(
    session: AsyncSession, *, actor: Actor, q: str, limit: int
) -> list[SearchHit]:
    """Cases and case messages matching `q` among those the actor may see, best first."""
    if not actor.can(Permission.CASE_ACCESS) or not has_words(q):
        return []
    query = prefix_query(q)
    visible = readable_clause(actor)
    case_rows = await repository.cases_matching(
        session, visible=visible, query=query, reference=q.strip(), limit=limit
    )
    message_rows = await repository.messages_matching(
        session, visible=visible, query=query, limit=limit
    )
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
