"""Full-text search over thread titles and posts, filtered by permission in the query itself.

Each post's `search_vector` holds its thread's title (weight A) and the plain text of its
rendered body (weight B); one GIN index answers the match. The caller's readable-forums
clause is part of the same WHERE, so a restricted forum's posts are never selected for an
outsider: not as hits, not as a count, not as a rank that shifts others. One hit per thread
(its best-ranked post), with a headline of the post's plain text computed only for the hits
returned.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.auth.actor import Actor
from app.forums.repository.audience import readable_forum_clause
from app.forums.repository.threads import tagged
from app.forums.rules import is_moderator
from app.forums.vectors import TS_CONFIG
from app.models.forums import Forum, Post, Thread

# Private-use characters mark the matches in ts_headline's output (the caller turns them into
# <mark> after escaping); they are removed from the text first so a post cannot forge a mark.
MARK_START, MARK_STOP = "\ue000", "\ue001"
_HEADLINE_OPTIONS = (
    f"StartSel={MARK_START}, StopSel={MARK_STOP}, MaxWords=35, MinWords=12, "
    "ShortWord=2, MaxFragments=2, FragmentDelimiter= … "
)


async def best_post_per_thread(
    session: AsyncSession,
    *,
    actor: Actor,
    query: Any,
    limit: int,
    forum_id: uuid.UUID | None = None,
    author_id: uuid.UUID | None = None,
    tag: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Any]:
    """Rows (post_id, thread_id, rank, thread title, headline) of the best-ranked post
    matching the tsquery `query` in each thread the actor may read, best first."""
    post_conditions: list[Any] = [
        col(Post.search_vector).op("@@")(query),
        col(Post.deleted_at).is_(None),
    ]
    if not is_moderator(actor):
        post_conditions.append(col(Post.hidden_at).is_(None))
    if author_id is not None:
        post_conditions.append(col(Post.author_id) == author_id)
    if since is not None:
        post_conditions.append(col(Post.created_at) >= since)
    if until is not None:
        post_conditions.append(col(Post.created_at) < until)
    thread_conditions: list[Any] = [readable_forum_clause(actor)]
    if forum_id is not None:
        thread_conditions.append(col(Thread.forum_id) == forum_id)
    if tag:
        thread_conditions.append(tagged(tag.lower()))
    # The matching posts first, through the GIN index (MATERIALIZED: otherwise the planner,
    # which cannot estimate the readable-forums clause, walks every post of every readable
    # thread and tests each one: ~100 ms per 100,000 posts, whatever the words).
    matches = (
        sa.select(
            col(Post.id).label("post_id"),
            col(Post.thread_id).label("thread_id"),
            col(Post.seq).label("seq"),
            sa.func.ts_rank(col(Post.search_vector), query).label("rank"),
        )
        .where(*post_conditions)
        .cte("matches")
        .prefix_with("MATERIALIZED")
    )
    best_per_thread = (
        sa.select(matches.c.post_id, matches.c.thread_id, matches.c.rank)
        .join(Thread, col(Thread.id) == matches.c.thread_id)
        .join(Forum, col(Forum.id) == col(Thread.forum_id))
        .where(*thread_conditions)
        .ext(distinct_on(matches.c.thread_id))
        .order_by(matches.c.thread_id, matches.c.rank.desc(), matches.c.seq.asc())
        .subquery("best")
    )
    top = (
        sa.select(best_per_thread)
        .order_by(best_per_thread.c.rank.desc(), best_per_thread.c.post_id)
        .limit(limit)
        .subquery("top")
    )
    text = sa.func.translate(col(Post.body_text), MARK_START + MARK_STOP, "")
    headline = sa.func.ts_headline(TS_CONFIG, text, query, _HEADLINE_OPTIONS)
    stmt = (
        sa.select(top.c.post_id, top.c.thread_id, top.c.rank, col(Thread.title), headline)
        .join(Post, col(Post.id) == top.c.post_id)
        .join(Thread, col(Thread.id) == top.c.thread_id)
        .order_by(top.c.rank.desc(), top.c.post_id)
    )
    return list((await session.execute(stmt)).all())
