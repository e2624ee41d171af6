"""Stamps committed events with their stream position (see app/models/events.py).

Writers never take a lock for this: after a commit the writer's process pokes its local
sequencer, which calls `canet_sequence_events()`. That SQL function holds one advisory lock
until its own commit, numbers every committed event still without a position, and NOTIFYs
the highest one. Sequencer runs of all workers are serialised (never the writes), and each
run numbers everything committed meanwhile, so under load one run covers many writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy import text

from app.core import events
from app.db import Database

log = logging.getLogger(__name__)

BATCH = 10_000
_SEQUENCE = text("SELECT numbered, last_position FROM canet_sequence_events(:batch)")


async def sequence_pending(database: Database) -> int | None:
    """Number the committed events still without a position; the highest position or None."""
    highest: int | None = None
    # Autocommit: the function's statement is its own transaction, one round trip per run
    # (the advisory lock inside is held until that implicit commit).
    async with database.engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        while True:
            row = (await conn.execute(_SEQUENCE, {"batch": BATCH})).one()
            if row[1] is not None:
                highest = int(row[1])
            if row[0] < BATCH:
                return highest


class Sequencer:
    """The per-worker loop: runs after local commits, and sweeps for other processes' events."""

    def __init__(self, database: Database, *, sweep_seconds: float) -> None:
        self.database = database
        self.sweep_seconds = sweep_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def announce(self, ids: list[int]) -> None:
        """The after-commit hook installed in app.core.events."""
        self._wake.set()

    def start(self) -> None:
        events.install_announcer(self.announce)
        self._task = asyncio.create_task(self._run(), name="canet-event-sequencer")

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await sequence_pending(self.database)
            except Exception:
                log.exception("event sequencer pass failed; retrying")
                await asyncio.sleep(0.5)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.sweep_seconds)

    async def stop(self) -> None:
        events.remove_announcer(self.announce)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
