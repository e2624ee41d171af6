"""ix_events_position holds only stamped positions (migration 0019): events arrive without
one, so the index no longer takes an entry for each of them at insert. Every read of
positions compares them, which implies not null, so each can still use the index; and a
position handed out twice is still refused."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.db import Database
from app.realtime.hub import fetch_events, head_position
from tests.plans import plan_of, statements_sent

# Far beyond any position the test database hands out; the rows are rolled back.
BASE = 10**12
STAMPED = 5000


async def test_reads_of_positions_use_the_partial_position_index(db: Database) -> None:
    with statements_sent(db) as sent:
        await fetch_events(db, BASE + 4000, BASE + 4100)
        await head_position(db)
    # The in-process app's background readers use this engine too: keep the calls above.
    reads = {s: p for s, p in sent if "FROM events WHERE position >" in s and p[0] == BASE + 4000}
    reads.update((s, p) for s, p in sent if s == "SELECT max(position) FROM events")
    assert len(reads) == 2, [s for s, _ in sent]

    async with db.engine.connect() as conn:
        definition = await conn.scalar(
            sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_events_position'")
        )
        assert definition is not None, "ix_events_position is gone"
        assert definition.startswith("CREATE UNIQUE INDEX"), definition
        assert definition.endswith('WHERE ("position" IS NOT NULL)'), definition
        await conn.rollback()

    # Stamped events and some waiting for the sequencer, with their statistics, seen only
    # by this transaction (rolled back): then each read's plan with its own parameters.
    async with db.engine.connect() as conn:
        await conn.execute(
            sa.text(
                "INSERT INTO events (name, audience_kind, data, position) "
                "SELECT 'test.stamped', 'moderators', '{}', CAST(:base AS bigint) + k "
                "FROM generate_series(1, :n) AS k"
            ),
            {"base": BASE, "n": STAMPED},
        )
        await conn.execute(
            sa.text(
                "INSERT INTO events (name, audience_kind, data) "
                "SELECT 'test.waiting', 'moderators', '{}' FROM generate_series(1, 50)"
            )
        )
        await conn.execute(sa.text("ANALYZE events"))
        for statement, parameters in reads.items():
            plan = await plan_of(conn, statement, parameters)
            assert "ix_events_position" in plan, (statement, plan)
        await conn.rollback()


async def test_a_position_is_still_unique(db: Database) -> None:
    with pytest.raises(IntegrityError, match="ix_events_position"):
        async with db.engine.begin() as conn:
            await conn.execute(
                sa.text(
                    "INSERT INTO events (name, audience_kind, data, position) "
                    "VALUES ('test.twice', 'moderators', '{}', :p), "
                    "('test.twice', 'moderators', '{}', :p)"
                ),
                {"p": BASE - 1},
            )
