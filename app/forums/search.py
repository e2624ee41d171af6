"""Full-text search over thread titles and posts, as the caller may read them.

The query itself, with the caller's readable-forums clause in its WHERE, is
repository.best_post_per_thread: one hit per thread (its best-ranked post), the last word of
the query as a prefix; here the hits get their highlighted snippet and their links.
"""

from __future__ import annotations

import html
import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.auth.permissions import Permission
from app.forums import repository
from app.search.query import MAX_QUERY_CHARS, has_words, prefix_query
from app.search.schemas import SearchHit


def snippet_html(headline: str) -> str:
    """The headline HTML-escaped first, and only then its match markers turned into <mark>,
    so the snippet carries no markup from the post itself."""
    return (
        html.escape(headline)
        .replace(repository.MARK_START, "<mark>")
        .replace(repository.MARK_STOP, "</mark>")
    )


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
    if not has_words(q) or actor.user_id is None or not actor.can(Permission.FORUM_READ):
        return []
    rows = await repository.best_post_per_thread(
        session,
        actor=actor,
        query=prefix_query(q),
        limit=limit,
        forum_id=forum_id,
        author_id=author_id,
        tag=tag,
        since=since,
        until=until,
    )
    return [
        SearchHit(
            scope="forums",
            type="post",
            id=row[0],
            thread_id=row[1],
            title=row[3],
            snippet=snippet_html(row[4] or ""),
            # The post is read in its thread: there is no API path of a post on its own.
            url=f"/api/v1/threads/{row[1]}",
            link=f"/threads/{row[1]}#post-{row[0]}",
            rank=float(row[2]),
        )
        for row in rows
    ]
