"""What sealing asks of PostgreSQL: one INSERT per round for all its links, and a chain-head
query that is planned once per connection instead of on every call."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import text

from app.audit.sealing import chain_head, seal_pending
from app.auth.actor import Actor
from app.config import Settings
from app.core import audit
from app.core.audit import Target
from app.db import Database
from tests.audit.helpers import verify

ACTION = "test.one_round"


async def test_a_sealing_round_writes_all_its_links_in_one_statement(
    db: Database, settings: Settings
) -> None:
    await seal_pending(db)
    # One transaction: its entries share a transaction id, so one round seals them all.
    async with db.transaction() as session:
        for n in range(5):
            await audit.record(
                session, actor=Actor.system(), action=ACTION, target=Target("thing", n)
            )

    inserts: list[tuple[bool, Any]] = []

    def seen(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _ctx: Any, many: bool
    ) -> None:
        if "INSERT INTO audit_chain" in statement:
            inserts.append((many, parameters))

    # The background sealer of the in-process app (if any) uses this engine too: whoever seals
    # the round, its statement is seen here.
    sa.event.listen(db.engine.sync_engine, "before_cursor_execute", seen)
    try:
        await seal_pending(db)
    finally:
        sa.event.remove(db.engine.sync_engine, "before_cursor_execute", seen)

    assert inserts, "nothing was sealed"
    assert not any(many for many, _ in inserts), "links inserted row by row (executemany)"
    # The five links travel together, as arrays of one statement's parameters.
    assert any(
        isinstance(value, list) and len(value) == 5 for _, params in inserts for value in params
    ), inserts
    async with db.engine.connect() as conn:
        chained = (
            await conn.execute(
                text(
                    "SELECT c.seq, e.target_id FROM audit_chain c "
                    "JOIN audit_entries e ON e.id = c.entry_id WHERE e.action = :a ORDER BY c.seq"
                ),
                {"a": ACTION},
            )
        ).all()
    # Consecutive seqs in the order the transaction recorded them (entry id order).
    assert [r.target_id for r in chained] == [str(n) for n in range(5)]
    assert [r.seq for r in chained] == list(range(chained[0].seq, chained[0].seq + 5))
    report = await verify(db, settings)
    assert report.ok, report


async def test_the_chain_head_query_is_planned_once_per_connection(db: Database) -> None:
    # PostgreSQL gives a statement with parameters custom plans (planned per call) at least
    # for its first five executions, and for good while a generic plan looks costlier, as
    # one with `LIMIT $1` does; one without parameters always runs its one generic plan.
    async with db.engine.connect() as conn:
        for _ in range(6):
            await chain_head(conn)
        plans = (
            await conn.execute(
                text(
                    "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements "
                    "WHERE statement LIKE :pattern"
                ),
                {"pattern": "%FROM audit_chain LEFT OUTER JOIN audit_entries%seq DESC%LIMIT%"},
            )
        ).all()
        await conn.rollback()
    assert plans, "the chain head query is not a prepared statement any more"
    assert sum(p.custom_plans for p in plans) == 0, plans
    assert sum(p.generic_plans for p in plans) >= 6, plans
