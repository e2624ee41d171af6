"""Migration 0013 indexes the posts written before it by their rendered text."""

from __future__ import annotations

import asyncio

import asyncpg

from app import migrate
from tests.conftest import ScratchServer

_BODY = "Urgent **freezing**: see [the guide](https://zorblat.example/guide) &amp; `x<y`"
_HTML = (
    '<p>Urgent <strong>freezing</strong>: see <a href="https://zorblat.example/guide" '
    'rel="noopener nofollow noreferrer">the guide</a> &amp; <code>x&lt;y</code></p>\n'
)


async def test_existing_posts_are_reindexed_from_their_rendered_text(
    scratch_server: ScratchServer,
) -> None:
    url = await scratch_server.create("canet_reindex")
    try:
        await asyncio.to_thread(migrate.upgrade, url, "0012_vetting_audit_actors")
        conn = await asyncpg.connect(url)
        try:
            forum = await conn.fetchval(
                "INSERT INTO forums (id, name, audience_kind) "
                "VALUES (gen_random_uuid(), 'General', 'network') RETURNING id"
            )
            thread = await conn.fetchval(
                "INSERT INTO forum_threads (id, forum_id, title) "
                "VALUES (gen_random_uuid(), $1, 'Practice notes') RETURNING id",
                forum,
            )
            # As the application wrote posts before: the vector of the markdown source.
            await conn.execute(
                """
                INSERT INTO forum_posts (id, thread_id, body, body_html, search_vector)
                VALUES (gen_random_uuid(), $1, $2::text, $3,
                        setweight(to_tsvector('simple', 'Practice notes'), 'A')
                        || setweight(to_tsvector('simple', $2::text), 'B'))
                """,
                thread,
                _BODY,
                _HTML,
            )
        finally:
            await conn.close()

        await asyncio.to_thread(migrate.upgrade, url)

        conn = await asyncpg.connect(url)
        try:
            row = await conn.fetchrow(
                """
                SELECT body_text,
                       search_vector @@ to_tsquery('simple', 'freezing & guide') AS words,
                       search_vector @@ to_tsquery('simple', 'practice') AS title,
                       search_vector @@ plainto_tsquery('simple', 'zorblat.example') AS target
                FROM forum_posts
                """
            )
        finally:
            await conn.close()
        assert row["body_text"] == "Urgent freezing: see the guide & x<y"
        assert row["words"] and row["title"]
        assert not row["target"]  # a link's target is not text the reader sees
    finally:
        await scratch_server.drop(url)
