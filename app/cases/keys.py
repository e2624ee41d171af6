"""Storage master key rotation: re-wrap every case key under the current master key.

Runs while the service runs. Every node is configured first with the new key as
CANET_STORAGE_MASTER_KEY and the old one in CANET_STORAGE_MASTER_KEY_PREVIOUS (so each reads
keys wrapped by either, and wraps new ones under the new key only); then the rotation
re-wraps the keys still under another master key, a batch per transaction, each batch with
its audit entry. The files themselves are untouched: their keys derive from the case key,
which does not change, only the way it is stored.

Stopped at any point (Ctrl-C, a crash, `--max-batches`), it has lost nothing: each committed
batch is done, the next run starts with what is left.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from app.auth.actor import Actor
from app.cases.crypto import DecryptionError, Vault
from app.cases.repository import data_keys
from app.core import audit
from app.core.audit import Target
from app.db import Database

REWRAPPED = "keys.storage_master.rewrapped"


@dataclass
class RewrapReport:
    current_id: str
    rewrapped: int = 0
    batches: int = 0
    # Case keys under a master key this process does not have (neither current nor previous).
    unknown: dict[str, int] = field(default_factory=dict)
    # What is left under each other master key once the run ends (a fresh count).
    remaining: dict[str, int] = field(default_factory=dict)
    stopped_early: bool = False

    @property
    def remaining_total(self) -> int:
        return sum(self.remaining.values())


async def rewrap_batch(
    db: Database, vault: Vault, *, after: uuid.UUID | None, limit: int, report: RewrapReport
) -> uuid.UUID | None:
    """Re-wrap up to `limit` case keys after `after` in one transaction; the last id seen."""
    last: uuid.UUID | None = None
    async with db.transaction() as session:
        rows = await data_keys.lock_keys_not_under(
            session, vault.master_id, after=after, limit=limit
        )
        if not rows:
            return None
        done: list[dict[str, object]] = []
        from_ids: dict[str, int] = {}
        for case_id, wrapped, master_id in rows:
            last = case_id
            if not vault.knows(master_id):
                report.unknown[master_id] = report.unknown.get(master_id, 0) + 1
                continue
            try:
                rewrapped = vault.rewrap(bytes(wrapped), case_id, master_id)
            except DecryptionError:
                # The fingerprint matched but the key does not open it: a damaged row. Left
                # as it is, and counted as unreadable.
                report.unknown[master_id] = report.unknown.get(master_id, 0) + 1
                continue
            done.append(
                {
                    "b_case_id": case_id,
                    "b_old_id": master_id,
                    "b_wrapped": rewrapped,
                    "b_new_id": vault.master_id,
                }
            )
            from_ids[master_id] = from_ids.get(master_id, 0) + 1
        if done:
            await data_keys.store_rewrapped(session, done)
            await audit.record(
                session,
                actor=Actor.system(),
                action=REWRAPPED,
                target=Target("storage_master_key", vault.master_id),
                details={
                    "via": "cli",
                    "rewrapped": len(done),
                    "from_key_ids": from_ids,
                    "first_case_id": str(done[0]["b_case_id"]),
                    "last_case_id": str(done[-1]["b_case_id"]),
                },
            )
            report.rewrapped += len(done)
            report.batches += 1
    return last


async def rewrap_case_keys(
    db: Database,
    vault: Vault,
    *,
    batch_size: int = 200,
    max_batches: int | None = None,
    pause: float = 0.0,
    progress: Callable[[RewrapReport], None] | None = None,
) -> RewrapReport:
    """Re-wrap every case key not under the current master key, batch by batch."""
    report = RewrapReport(current_id=vault.master_id)
    after: uuid.UUID | None = None
    transactions = 0
    while True:
        if max_batches is not None and transactions >= max_batches:
            report.stopped_early = True
            break
        after = await rewrap_batch(db, vault, after=after, limit=batch_size, report=report)
        if after is None:
            break
        transactions += 1
        if progress is not None:
            progress(report)
        if pause:
            await asyncio.sleep(pause)
    report.remaining = await remaining_case_keys(db, vault.master_id)
    return report


async def remaining_case_keys(db: Database, current_id: str) -> dict[str, int]:
    """How many case keys each master key other than `current_id` still wraps."""
    async with db.sessionmaker() as session:
        counts = await data_keys.counts_by_master_key(session)
        await session.rollback()
    return {kid: n for kid, n in counts.items() if kid != current_id}
