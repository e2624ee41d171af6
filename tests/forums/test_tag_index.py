"""The tag index holds only threads that have a tag (migration 0019), so a query can use it
only if it says `tags <> '{}'` too: every tag filter must, or it scans the forum instead."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import Database
from app.forums import search
from app.forums.repository import threads_page
from tests.factories import make_forum, make_member
from tests.plans import plan_of, statements_sent

THREADS = 3000
TAGGED_EVERY = 300  # ten threads carry the tag


async def test_tag_filters_can_use_the_partial_tag_index(
    db: Database, session: AsyncSession
) -> None:
    member = await make_member(session)
    forum = await make_forum(session)
    # Many threads, a few tagged, each with a post the search finds: the tag is by far the
    # most selective condition, so PostgreSQL takes the index when it may.
    await session.execute(
        sa.text(
            """
            WITH t AS (
                INSERT INTO forum_threads (id, forum_id, author_id, title, tags)
                SELECT gen_random_uuid(), :forum, :author, 'Thread ' || k,
                       CAST(CASE WHEN k % :every = 0 THEN '{extradition}' ELSE '{}' END
                            AS varchar[])
                FROM generate_series(1, :threads) AS k
                RETURNING id
            )
            INSERT INTO forum_posts (id, thread_id, author_id, body, body_html, body_text,
                                     search_vector)
            SELECT gen_random_uuid(), t.id, :author, 'Request', '<p>Request</p>', 'Request',
                   to_tsvector('simple', 'Request')
            FROM t
            """
        ),
        {"forum": forum.id, "author": member.id, "every": TAGGED_EVERY, "threads": THREADS},
    )
    await session.commit()
    await session.execute(sa.text("ANALYZE forum_threads"))
    await session.execute(sa.text("ANALYZE forum_posts"))
    await session.commit()

    definition = await session.scalar(
        sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_forum_threads_tags'")
    )
    assert definition is not None and "WHERE (tags <> '{}'" in definition, definition

    with statements_sent(db) as sent:
        async with db.sessionmaker() as reader:
            rows, _ = await threads_page(
                reader,
                actor=member.actor,
                forum_id=forum.id,
                limit=20,
                cursor=None,
                tag="extradition",
            )
            hits = await search.search_posts(
                reader, actor=member.actor, q="request", limit=20, tag="extradition"
            )
    assert len(rows) == len(hits) == THREADS // TAGGED_EVERY
    tag_queries = [(s, p) for s, p in sent if "forum_threads.tags @>" in s]
    assert len(tag_queries) == 2, [s for s, _ in sent]
    async with db.engine.connect() as conn:
        for statement, parameters in tag_queries:
            plan = await plan_of(conn, statement, parameters)
            assert "ix_forum_threads_tags" in plan, plan
