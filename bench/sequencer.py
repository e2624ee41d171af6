"""The cost of commit-ordered positions: writer throughput with and without the sequencer.

64 concurrent writers each commit transactions that publish one event. Run once with no
sequencer (rows stay unnumbered) and once with the per-worker sequencer numbering them; the
figures show whether the sequencer's advisory lock (taken only by sequencer runs, held to
their commit) slows the writers, how many writes one run covers, and the commit-to-position
lag.

    CANET_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1/postgres \
        .venv/bin/python -m bench.sequencer --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

from sqlalchemy import text

from app.core import events
from app.core.events import Audience
from app.db import Database
from app.realtime import sequencer as sequencer_module
from app.realtime.sequencer import Sequencer
from bench.server import ScratchDatabase


async def _write(database: Database, seconds: float, writers: int) -> tuple[int, list[float]]:
    stop = time.monotonic() + seconds
    commits = 0
    committed_at: list[float] = []

    async def writer() -> None:
        nonlocal commits
        while time.monotonic() < stop:
            async with database.transaction() as session:
                await events.publish(session, "bench", {"n": 1}, audience=Audience.of("moderators"))
            commits += 1
            committed_at.append(time.monotonic())

    await asyncio.gather(*(writer() for _ in range(writers)))
    return commits, committed_at


async def scenario(url: str, seconds: float, writers: int, sequenced: bool) -> dict[str, Any]:
    database = Database(url, pool_size=writers + 4, max_overflow=4)
    sequencer = Sequencer(database, sweep_seconds=1.0)
    runs = 0
    original = sequencer_module.sequence_pending

    async def counting(db: Database) -> int | None:
        nonlocal runs
        runs += 1
        return await original(db)

    sequencer_module.sequence_pending = counting  # type: ignore[assignment]
    if sequenced:
        sequencer.start()
    try:
        async with database.engine.begin() as conn:
            await conn.execute(text("TRUNCATE events"))
            before = await conn.scalar(text("SELECT last_value FROM event_positions"))
        started = time.monotonic()
        commits, _ = await _write(database, seconds, writers)
        elapsed = time.monotonic() - started
        lag_ms: float | None = None
        if sequenced:
            # Wait for the last writes to be numbered, and time how long that took.
            t0 = time.monotonic()
            while True:
                async with database.engine.connect() as conn:
                    left = await conn.scalar(
                        text("SELECT count(*) FROM events WHERE position IS NULL")
                    )
                if not left:
                    break
                await asyncio.sleep(0.001)
            lag_ms = round((time.monotonic() - t0) * 1000, 1)
        async with database.engine.connect() as conn:
            numbered = await conn.scalar(text("SELECT count(position) FROM events"))
            after = await conn.scalar(text("SELECT last_value FROM event_positions"))
        return {
            "sequencer": sequenced,
            "writers": writers,
            "commits_per_s": round(commits / elapsed),
            "numbered": int(numbered or 0),
            "positions_used": int(after or 0) - int(before or 0),
            "sequencer_runs": runs,
            "commits_per_run": round(commits / runs, 1) if runs else None,
            "drain_after_stop_ms": lag_ms,
        }
    finally:
        sequencer_module.sequence_pending = original
        await sequencer.stop()
        await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--writers", type=int, default=64)
    args = parser.parse_args()
    scratch = ScratchDatabase.create()
    try:

        async def run() -> None:
            for sequenced in (False, True, False, True):
                figures = await scenario(scratch.url, args.seconds, args.writers, sequenced)
                print(json.dumps(figures), flush=True)

        asyncio.run(run())
    finally:
        scratch.drop()


if __name__ == "__main__":
    main()
