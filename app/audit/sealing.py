"""Sealing: give committed entries their gapless `seq` and chained hash, in commit order.

Why not chain inside the writing transaction: that needs one lock held from reading the
head until commit, so every audited write in the system would commit one at a time
(bench/audit_throughput.py measures the `inline` mode that does exactly this). Instead
entries are inserted unchained and a single sealer (every worker runs one, a PostgreSQL
advisory lock lets one at a time work) chains them moments later.

Commit order without gaps: an entry with a lower id can commit after one with a higher id,
so the sealer never chains by id. Each entry carries the id of its writing transaction
(`xact_id`, stamped by a trigger). At the start of a round the sealer computes a horizon H
such that every transaction of this database with an id below H has finished (committed, so
visible to the next statement, or rolled back, so gone) and no transaction can ever get an
id below H again. The round seals exactly the visible entries with `xact_id` below H and
above the last sealed one, ordered by (xact_id, id): nothing below H can appear later, so
the chain never has to insert before its head and never skips an entry. A transaction still
running holds H back and delays (never breaks) sealing of later ones.

The order this gives: if transaction A committed before transaction B wrote anything (so B
could have seen A's effects), A's entries get lower seqs than B's, since B's id is larger.
Transactions that overlapped are ordered by their ids. Every committed entry gets exactly one
seq, and a seq never changes.

H is the smaller of the snapshot's xmax (the first id not yet completed, read FIRST) and the
oldest id still running in this database (pg_stat_activity.backend_xid, prepared
transactions), read after it. `pg_snapshot_xmin` alone would also be correct, but transaction
ids are cluster-wide: one long transaction in any other database on a shared server would
then stall sealing here.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from app.audit import repository
from app.audit.chain import GENESIS_HASH, link_hash, record_of
from app.db import Database
from app.models.base import utcnow

log = logging.getLogger(__name__)

BATCH_SIZE = 2000


class ChainBroken(RuntimeError):
    """The chain head refers to an entry that no longer exists: someone deleted it."""


async def chain_head(conn: AsyncConnection) -> tuple[int, str, int, int] | None:
    """(seq, hash, xact_id, entry_id) of the last sealed entry, or None for an empty chain."""
    row = await repository.chain_head_row(conn)
    if row is None:
        return None
    if row.xact_id is None:
        raise ChainBroken(f"audit entry {row.entry_id} sealed at seq {row.seq} is missing")
    return int(row.seq), str(row.hash), int(row.xact_id), int(row.entry_id)


async def sealing_horizon(conn: AsyncConnection) -> int:
    """The id below which every transaction of this database has finished (see above).

    Call it first in a transaction that has no id of its own yet (no writes before it):
    the activity view is read once per transaction and then cached.
    """
    # 1. The first id not yet completed, as a 64-bit id: taken BEFORE the activity view, so
    #    a transaction that gets its id in between gets one at or above it.
    xmax = await repository.snapshot_xmax(conn)
    # 2. Transactions running here carry 32-bit ids: widen each next to xmax (a running id is
    #    always within 2^31 of it). Those at or above xmax do not lower the horizon.
    horizon = xmax
    for xid in await repository.running_xids_here(conn):
        delta = (xid - xmax) % 2**32
        if delta >= 2**31:
            horizon = min(horizon, xmax - (2**32 - delta))
    return horizon


async def _seal_batch(conn: AsyncConnection, *, wait: bool, batch_size: int) -> int | None:
    if not await repository.take_seal_lock(conn, wait=wait):
        return None
    horizon = await sealing_horizon(conn)
    head = await chain_head(conn)
    seq, prev_hash, last_xact, last_id = head if head else (0, GENESIS_HASH, -1, -1)
    if horizon <= last_xact:
        _warn_counter_behind(horizon, last_xact)
    rows = await repository.entries_to_seal(
        conn, after=(last_xact, last_id), horizon=horizon, limit=batch_size
    )
    if not rows:
        return 0
    links: list[tuple[int, int, str]] = []
    for row in rows:
        seq += 1
        prev_hash = link_hash(prev_hash, record_of(seq, row._mapping))
        links.append((seq, int(row.id), prev_hash))
    await repository.insert_links(conn, links, sealed_at=utcnow())
    return len(rows)


_warned_counter_behind = False


def _warn_counter_behind(horizon: int, last_xact: int) -> None:
    # Every transaction below the horizon has finished, and the head's transaction finished
    # long ago, so in one cluster the horizon is always past it. It is not when the database
    # was restored from a logical dump into a new cluster, whose counter starts again: new
    # entries then sort before the head and are never sealed. Said once, loudly; the fix is
    # an operator's (docs/operations.md, "Logical restores only").
    global _warned_counter_behind
    if not _warned_counter_behind:
        _warned_counter_behind = True
        log.error(
            "audit sealing stopped: this cluster's transaction counter (%d) is behind the "
            "chain head's transaction (%d). Was the database restored from a logical dump? "
            "Set the epoch with pg_resetwal -e as docs/operations.md says.",
            horizon,
            last_xact,
        )


async def _newest_visible_xact(db: Database) -> int | None:
    async with db.engine.connect() as conn:
        value = await repository.newest_xact_id(conn)
        await conn.rollback()
    return value


async def seal_pending(
    db: Database,
    *,
    wait: bool = True,
    patience: float = 10.0,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Seal the entries committed before the call; returns how many were sealed.

    `wait=True` (tests, CLI, anyone who needs the chain up to date now) waits for the lock
    and, up to `patience` seconds, for older transactions still open in this database.
    `wait=False` (the background task) makes one pass and gives up at once when another
    worker holds the lock.
    """
    target = await _newest_visible_xact(db) if wait else None
    deadline = time.monotonic() + patience
    total = 0
    while True:
        async with db.engine.begin() as conn:
            sealed = await _seal_batch(conn, wait=wait, batch_size=batch_size)
            head = await chain_head(conn) if wait else None
        if sealed is None:
            return total
        total += sealed
        if sealed == batch_size:
            continue
        if target is None or (head is not None and head[2] >= target):
            return total
        if time.monotonic() >= deadline:
            log.warning("audit sealing: an older transaction is still open; sealed %d", total)
            return total
        await asyncio.sleep(0.005)


async def oldest_unsealed(db: Database) -> tuple[datetime, int] | None:
    """(time, xact_id) of the oldest committed entry still waiting for the sealer, if any."""
    async with db.engine.connect() as conn:
        head = await chain_head(conn)
        _, _, last_xact, last_id = head if head else (0, GENESIS_HASH, -1, -1)
        row = await repository.oldest_unsealed_entry(conn, (last_xact, last_id))
        await conn.rollback()
    return (row.occurred_at, int(row.xact_id)) if row else None
