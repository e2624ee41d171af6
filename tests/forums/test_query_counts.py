"""Lists cost a fixed number of statements whatever the page size; the reply path is short."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import Database
from app.main import create_app
from tests.factories import make_forum, make_member
from tests.forums.helpers import API, reply, start_thread

# Statements per request (BEGIN/COMMIT are not cursor executions and are not counted):
# 1 actor lookup + 1 access check + 1 list query.
LIST_STATEMENTS = 3
# actor, thread access, INSERT post (+ auto-follow, read marker and the thread's counters: one
# CTE), the journal's audit entry and event (one statement, as the transaction commits).
REPLY_STATEMENTS = 4


@pytest.fixture
async def quiet(
    settings: Settings, database_url: str
) -> AsyncIterator[tuple[httpx.AsyncClient, Database]]:
    """An app with its own engine and no background tasks: only the request's statements run
    on that engine while we count."""
    database = Database(database_url)
    app = create_app(settings.model_copy(update={"run_background_tasks": False}), database=database)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                yield c, database
    finally:
        await database.dispose()


@contextmanager
def count_statements(db: Database) -> Iterator[list[str]]:
    """Every statement the app sends: through SQLAlchemy, and straight on the driver (the
    hot reads of app.db.Prepared, which SQLAlchemy's events do not see)."""
    seen: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(statement)

    # Only this engine's connections: other apps' background workers share the driver.
    ours: set[int] = set()

    def checkout(dbapi_connection, record, proxy):  # type: ignore[no-untyped-def]
        ours.add(id(dbapi_connection.driver_connection))

    driver_fetch = asyncpg.Connection.fetch

    async def fetch(self: asyncpg.Connection, query: str, *args: Any, **kwargs: Any) -> Any:
        if id(self) in ours:
            seen.append(query)
        return await driver_fetch(self, query, *args, **kwargs)

    engine = db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "checkout", checkout)
    asyncpg.Connection.fetch = fetch  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        asyncpg.Connection.fetch = driver_fetch  # type: ignore[method-assign]
        event.remove(engine, "checkout", checkout)
        event.remove(engine, "before_cursor_execute", before)


async def test_lists_cost_a_fixed_number_of_statements(
    quiet: tuple[httpx.AsyncClient, Database], session: AsyncSession
) -> None:
    client, db = quiet
    ana = await make_member(session)
    ben = await make_member(session)
    reader = await make_member(session)
    forum = await make_forum(session)
    await session.commit()
    first = await start_thread(client, ana, forum.id)
    for i in range(55):
        await start_thread(client, ana if i % 2 else ben, forum.id, title=f"Thread number {i}")
    previous = first["first_post"]["id"]
    for i in range(55):
        post = await reply(
            client, ben if i % 2 else ana, first["id"], f"post {i}", reply_to=previous
        )
        previous = post["id"]
    await client.put(f"{API}/threads/{first['id']}/follow", headers=reader.headers)
    await client.put(
        f"{API}/threads/{first['id']}/read",
        json={"last_read_post_id": previous},
        headers=reader.headers,
    )

    counts: dict[str, dict[int, int]] = {"threads": {}, "posts": {}, "forums": {}}
    for limit in (5, 50):
        for name, url in (
            ("threads", f"{API}/forums/{forum.id}/threads?limit={limit}"),
            ("posts", f"{API}/threads/{first['id']}/posts?limit={limit}"),
            ("forums", f"{API}/forums?limit={limit}"),
        ):
            with count_statements(db) as seen:
                response = await client.get(url, headers=reader.headers)
            assert response.status_code == 200
            if name != "forums":
                assert len(response.json()["items"]) == limit
            counts[name][limit] = len(seen)
    assert counts["threads"][5] == counts["threads"][50] == LIST_STATEMENTS, counts
    assert counts["posts"][5] == counts["posts"][50] == LIST_STATEMENTS, counts
    assert counts["forums"][5] == counts["forums"][50] == 2, counts


async def test_reply_costs_a_handful_of_statements(
    quiet: tuple[httpx.AsyncClient, Database], session: AsyncSession
) -> None:
    client, db = quiet
    ana = await make_member(session)
    followers = [await make_member(session) for _ in range(5)]
    forum = await make_forum(session)
    await session.commit()
    thread = await start_thread(client, ana, forum.id)
    for member in followers:
        await client.put(f"{API}/threads/{thread['id']}/follow", headers=member.headers)
    with count_statements(db) as seen:
        await reply(client, ana, thread["id"], "No fan-out per follower here.")
    assert len(seen) == REPLY_STATEMENTS, seen
    with count_statements(db) as seen:
        await reply(
            client, followers[0], thread["id"], "With a quote", reply_to=thread["first_post"]["id"]
        )
    assert len(seen) == REPLY_STATEMENTS + 1  # the quoted post is checked to be in the thread
