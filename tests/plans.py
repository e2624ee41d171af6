"""The plans of the statements a piece of code sends: which index PostgreSQL can use."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db import Database


@contextmanager
def statements_sent(db: Database) -> Iterator[list[tuple[str, Any]]]:
    """(statement, driver parameters) of every statement sent through `db`'s engine."""
    seen: list[tuple[str, Any]] = []

    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append((statement, parameters))

    engine = db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


async def plan_of(conn: AsyncConnection, statement: str, parameters: Any) -> str:
    """EXPLAIN (no ANALYZE: nothing runs) of a sent statement with its own parameters, in
    `conn`'s transaction if it has begun one."""
    raw = (await conn.get_raw_connection()).driver_connection
    assert raw is not None
    rows = await raw.fetch("EXPLAIN (COSTS OFF) " + statement, *(parameters or ()))
    return "\n".join(r[0] for r in rows)
