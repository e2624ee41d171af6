"""Full-text search over thread titles and posts, filtered by permission in the query itself.

Each post's `search_vector` holds its thread's title (weight A) and its body (weight B); one
GIN index answers the match. The caller's readable-forums clause is part of the same WHERE,
so a restricted forum's posts are never selected for an outsider: not as hits, not as a
count, not as a rank that shifts others. One hit per thread (its best-ranked post), with a
highlighted snippet computed only for the hits returned.
"""

from __future__ import annotations

import html
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.auth.actor import Actor
from app.auth.permissions import Permission
from app.forums.access import is_moderator, readable_forum_clause
from app.forums.vectors import TS_CONFIG
from app.models.forums import Forum, Post, Thread
from app.search.schemas import SearchHit

# Private-use characters mark the matches in ts_headline's output; the text is HTML-escaped
# first and only then are they turned into <mark> tags, so the snippet carries no markup from
# the post itself. They are removed from the body beforehand so a post cannot forge a mark.
_START, _STOP = "\ue000", "\ue001"
_HEADLINE_OPTIONS = (
    f"StartSel={_START}, StopSel={_STOP}, MaxWords=35, MinWords=12, "
    "ShortWord=2, MaxFragments=2, FragmentDelimiter= … "
)
MAX_QUERY_CHARS = 200


def snippet_html(headline: str) -> str:
    return html.escape(headline).replace(_START, "<mark>").replace(_STOP, "</mark>")


async def search_posts(
    session: AsyncSession,
    *,
    actor: Actor,
    q: str,
    limit: int,
    forum_id: uuid.UUID | None = None,
    author_id: uuid.UUID | None = None,
    tag: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[SearchHit]:
    """Threads and posts matching `q` that the caller may read, best first."""
    q = q.strip()[:MAX_QUERY_CHARS]
    if not q or actor.user_id is None or not actor.can(Permission.FORUM_READ):
        return []
    query = sa.func.websearch_to_tsquery(TS_CONFIG, q)
    rank = sa.func.ts_rank(col(Post.search_vector), query)
    conditions: list[Any] = [
        col(Post.search_vector).op("@@")(query),
        col(Post.deleted_at).is_(None),
        readable_forum_clause(actor),
    ]
    if not is_moderator(actor):
        conditions.append(col(Post.hidden_at).is_(None))
    if forum_id is not None:
        conditions.append(col(Thread.forum_id) == forum_id)
    if author_id is not None:
        conditions.append(col(Post.author_id) == author_id)
    if tag:
        conditions.append(col(Thread.tags).contains([tag.lower()]))
    if since is not None:
        conditions.append(col(Post.created_at) >= since)
    if until is not None:
        conditions.append(col(Post.created_at) < until)
    best_per_thread = (
        sa.select(
            col(Post.id).label("post_id"),
            col(Post.thread_id).label("thread_id"),
            rank.label("rank"),
        )
        .join(Thread, col(Thread.id) == col(Post.thread_id))
        .join(Forum, col(Forum.id) == col(Thread.forum_id))
        .where(*conditions)
        .ext(distinct_on(col(Post.thread_id)))
        .order_by(col(Post.thread_id), rank.desc(), col(Post.seq).asc())
        .subquery("best")
    )
    top = (
        sa.select(best_per_thread)
        .order_by(best_per_thread.c.rank.desc(), best_per_thread.c.post_id)
        .limit(limit)
        .subquery("top")
    )
    body = sa.func.translate(col(Post.body), _START + _STOP, "")
    headline = sa.func.ts_headline(TS_CONFIG, body, query, _HEADLINE_OPTIONS)
    stmt = (
        sa.select(top.c.post_id, top.c.thread_id, top.c.rank, col(Thread.title), headline)
        .join(Post, col(Post.id) == top.c.post_id)
        .join(Thread, col(Thread.id) == top.c.thread_id)
        .order_by(top.c.rank.desc(), top.c.post_id)
    )
    rows = (await session.execute(stmt)).all()
    return [
        SearchHit(
            scope="forums",
            type="post",
            id=row[0],
            title=row[3],
            snippet=snippet_html(row[4] or ""),
            url=f"/api/v1/posts/{row[0]}",
            rank=float(row[2]),
        )
        for row in rows
    ]
