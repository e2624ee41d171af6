"""Full-text search in the cases and messages a caller may see."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.models.cases import Case, CaseMessage

# Private-use characters mark the matches in a snippet; they are removed from the text first
# so that no case text can forge a mark (the caller escapes the rest of the snippet).
MATCH_START, MATCH_END = "\ue000", "\ue001"
_HEADLINE = f"StartSel={MATCH_START}, StopSel={MATCH_END}, MaxWords=30, MinWords=8, MaxFragments=2"


async def cases_matching(
    session: AsyncSession,
    *,
    visible: sa.ColumnElement[bool],
    query: Any,
    reference: str,
    limit: int,
) -> Sequence[sa.Row[Any]]:
    """Visible cases whose reference, title or summary match, best first: id, reference,
    title, rank and a marked snippet; a case whose reference is `reference` matches too."""
    text = sa.func.concat_ws(" ", Case.reference, Case.title, Case.summary)
    vector = sa.func.to_tsvector("simple", text)
    shown = sa.func.translate(text, MATCH_START + MATCH_END, "")
    rows = await session.execute(
        sa.select(
            col(Case.id),
            col(Case.reference),
            col(Case.title),
            sa.func.ts_rank(vector, query).label("rank"),
            sa.func.ts_headline("simple", shown, query, _HEADLINE).label("snippet"),
        )
        .where(visible, sa.or_(vector.op("@@")(query), col(Case.reference) == reference))
        .order_by(sa.desc("rank"))
        .limit(limit)
    )
    return rows.all()


async def messages_matching(
    session: AsyncSession, *, visible: sa.ColumnElement[bool], query: Any, limit: int
) -> Sequence[sa.Row[Any]]:
    """Messages of visible cases that match, best first: id, case_id, the case's reference
    and title, rank and a marked snippet."""
    vector = sa.func.to_tsvector("simple", CaseMessage.body)
    shown = sa.func.translate(CaseMessage.body, MATCH_START + MATCH_END, "")
    rows = await session.execute(
        sa.select(
            col(CaseMessage.id),
            col(CaseMessage.case_id),
            col(Case.reference),
            col(Case.title),
            sa.func.ts_rank(vector, query).label("rank"),
            sa.func.ts_headline("simple", shown, query, _HEADLINE).label("snippet"),
        )
        .join(Case, col(Case.id) == col(CaseMessage.case_id))
        .where(visible, vector.op("@@")(query))
        .order_by(sa.desc("rank"))
        .limit(limit)
    )
    return rows.all()
