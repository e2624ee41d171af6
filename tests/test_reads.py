"""app.db.read: a GET's reads outside a transaction, the same rows as through the session.

The suite's in-process app reads every caller's member and session this way (its actor
cache is off), so every GET test runs the driver path; these check it row for row against
SQLAlchemy's, and that a read joins the request's transaction once it has one.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.dependencies import _ACTOR_QUERY
from app.config import Settings
from app.db import Database, Prepared, Rows, read, transactional
from app.identity.repository.members import _OWN_PROFILE
from app.main import create_app
from tests.factories import make_authority, make_forum, make_member
from tests.forums.helpers import API, start_thread


def _as_dict(row: Any) -> dict[str, Any]:
    return dict(row._asdict()) if hasattr(row, "_asdict") else dict(row._mapping)


async def _get_session(db: Database) -> AsyncSession:
    """A session as get_session makes it for a GET."""
    session = db.sessionmaker()
    session.info["canet.reads_engine"] = db.reads_engine
    return session


async def test_prepared_reads_give_the_sessions_rows(session: AsyncSession, db: Database) -> None:
    member = await make_member(session, authority=await make_authority(session), focal_point=True)
    await session.commit()
    cases: list[tuple[Prepared, dict[str, Any]]] = [
        (_ACTOR_QUERY, {"session_id": member.session_id, "user_id": member.id}),
        (_OWN_PROFILE, {"user_id": member.id}),
    ]
    for prepared, params in cases:
        expected = (await session.execute(prepared.statement, params)).first()
        get = await _get_session(db)
        try:
            found = (await read(get, prepared, params)).first()
            assert not get.in_transaction()  # it ran on the reads connection, not the session
        finally:
            await get.close()
        assert expected is not None and found is not None
        assert _as_dict(found) == _as_dict(expected)
        assert found.authority_id == member.user.authority_id  # attribute access, as callers do


async def test_a_read_after_a_write_sees_it(session: AsyncSession, db: Database) -> None:
    member = await make_member(session)
    await session.commit()
    get = await _get_session(db)
    try:
        await get.execute(
            text("UPDATE users SET full_name = 'Uncommitted' WHERE id = :id"), {"id": member.id}
        )
        row = (await read(get, _OWN_PROFILE, {"user_id": member.id})).first()
        assert row.full_name == "Uncommitted"
        await get.rollback()
    finally:
        await get.close()


async def test_nothing_found_is_none(db: Database) -> None:
    get = await _get_session(db)
    try:
        assert (await read(get, _OWN_PROFILE, {"user_id": uuid.uuid4()})).first() is None
    finally:
        await get.close()


async def test_a_request_never_holds_two_connections(
    settings: Settings, database_url: str, session: AsyncSession
) -> None:
    """A GET that reads outside its transaction and then begins one must not hold its
    reads connection while it waits for another: with one connection in the pool, it
    would wait for itself (this deadlocked the pool with 2,000 members at once)."""
    member = await make_member(session, authority=await make_authority(session))
    forum = await make_forum(session)
    await session.commit()
    database = Database(database_url, pool_size=1, max_overflow=0)
    app = create_app(settings.model_copy(update={"run_background_tasks": False}), database=database)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                thread = await start_thread(c, member, forum.id)
                # The actor is read outside a transaction, the thread through the session.
                response = await asyncio.wait_for(
                    c.get(f"{API}/threads/{thread['id']}", headers=member.headers), timeout=10
                )
                assert response.status_code == 200, response.text
    finally:
        await database.dispose()


async def test_a_prepared_statement_sets_what_python_defaults_would(session: AsyncSession) -> None:
    """A column's Python-side default or onupdate runs only when SQLAlchemy executes the
    statement: on the driver it would go as NULL, so a prepared statement that leaves one out
    is refused before it runs (a case's `updated_at` has such an onupdate)."""
    from app.models.cases import Case

    table = Case.__table__  # type: ignore[attr-defined]
    touch = sa.update(table).where(table.c.id == sa.bindparam("case_id"))
    now = sa.bindparam("now", type_=table.c.last_activity_at.type)
    params = {"case_id": uuid.uuid4(), "now": None}
    await session.execute(text("SELECT 1"))  # the transaction begins, on the driver
    left_out = Prepared(touch.values(last_activity_at=now))
    with pytest.raises(TypeError, match="updated_at"):
        await transactional(session, left_out, params)
    spelled_out = Prepared(touch.values(last_activity_at=now, updated_at=now))
    assert (await transactional(session, spelled_out, params)).all() == []


async def test_a_first_statement_begins_the_transaction_on_the_driver(
    session: AsyncSession, db: Database
) -> None:
    """The first prepared statement of a write sends BEGIN on the driver itself: it runs
    inside the session's transaction (a rollback undoes it), and the session commits it."""
    member = await make_member(session)
    await session.commit()
    rename = Prepared(
        sa.update(sa.table("users", sa.column("id"), sa.column("full_name")))
        .where(sa.column("id") == sa.bindparam("member"))
        .values(full_name=sa.bindparam("name"))
        .returning(sa.column("full_name"))
    )

    async def rename_to(name: str, *, commit: bool) -> None:
        async with db.sessionmaker() as write:
            assert not write.in_transaction()
            rows = await transactional(write, rename, {"member": member.id, "name": name})
            assert isinstance(rows, Rows)  # the driver ran it, not SQLAlchemy
            assert rows.all()[0].full_name == name
            assert write.in_transaction()
            assert (await write.scalar(text("SELECT now() = statement_timestamp()"))) is False
            await (write.commit() if commit else write.rollback())

    async def name_now() -> str | None:
        async with db.sessionmaker() as fresh:
            return await fresh.scalar(
                text("SELECT full_name FROM users WHERE id = :id"), {"id": member.id}
            )

    await rename_to("Rolled Back", commit=False)
    assert await name_now() == member.user.full_name
    await rename_to("Committed", commit=True)
    assert await name_now() == "Committed"


async def test_a_read_hands_its_connection_back(session: AsyncSession, db: Database) -> None:
    """A read outside a transaction takes a connection from the pool itself and returns it
    as soon as its rows are in."""
    member = await make_member(session)
    await session.commit()
    pool = db.engine.sync_engine.pool
    before = pool.checkedout()
    get = await _get_session(db)
    try:
        row = (await read(get, _OWN_PROFILE, {"user_id": member.id})).first()
        assert row.handle == member.user.handle
        assert pool.checkedout() == before
    finally:
        await get.close()


async def test_a_read_on_a_lost_connection_is_answered_and_drops_it(
    session: AsyncSession, database_url: str
) -> None:
    """The pool's one connection is ended by the server: the read is answered all the same,
    on a new connection, and the lost one is never handed out again."""
    member = await make_member(session)
    await session.commit()
    database = Database(database_url, pool_size=1, max_overflow=0)
    params = {"user_id": member.id}
    try:
        get = await _get_session(database)
        pid = (await read(get, text("SELECT pg_backend_pid()"))).scalar_one()
        await session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        for _ in range(2):
            row = (await read(get, _OWN_PROFILE, params)).first()
            assert row.handle == member.user.handle
        assert (await read(get, text("SELECT pg_backend_pid()"))).scalar_one() != pid
        await get.close()
    finally:
        await database.dispose()
