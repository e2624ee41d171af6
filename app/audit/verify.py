"""Recompute the chain and check the signed checkpoints against it.

What each kind of tampering looks like here:
- an entry edited (or two entries' contents swapped): its recomputed hash differs -> its seq;
- a chain row deleted: a gap in seq -> the missing seq; an entry deleted: its link has no
  entry -> that seq;
- rows reordered (seq or entry_id swapped): the recomputed hash differs at the lower seq;
- the tail cut off, or everything after some point rewritten and re-hashed (which the chain
  alone cannot reveal): a signed checkpoint no longer matches -> the first seq after the last
  checkpoint that still does.

Checkpoints are verified with a set of public keys (the current signing key's, then the
previous ones from configuration, docs/keys.md). A checkpoint naming a key outside the set is
a problem: either a retired key is missing from CANET_AUDIT_PREVIOUS_PUBLIC_KEYS, or someone
who could write the database added it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.ext.asyncio import AsyncConnection

from app.audit import repository
from app.audit.chain import GENESIS_HASH, link_hash, record_of
from app.audit.checkpoints import all_checkpoints
from app.audit.signing import KeySet, SignedCheckpoint, key_set
from app.db import Database

STREAM_BATCH = 2000


@dataclass
class Report:
    ok: bool = True
    checked: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS_HASH
    first_bad_seq: int | None = None
    checkpoints_checked: int = 0
    other_key_checkpoints: int = 0
    problems: list[str] = field(default_factory=list)

    def fail(self, seq: int | None, problem: str) -> None:
        self.ok = False
        if seq is not None and (self.first_bad_seq is None or seq < self.first_bad_seq):
            self.first_bad_seq = seq
        self.problems.append(problem)


@dataclass
class _Anchors:
    """Valid checkpoints by seq, and the last one the recomputed chain matched."""

    by_seq: dict[int, list[SignedCheckpoint]]
    last_good_seq: int = 0

    def check(self, report: Report, seq: int, hash_: str) -> None:
        for checkpoint in self.by_seq.get(seq, ()):
            report.checkpoints_checked += 1
            if checkpoint.hash == hash_:
                self.last_good_seq = seq
            else:
                report.fail(
                    self.last_good_seq + 1,
                    f"the chain at seq {seq} does not match the checkpoint signed at "
                    f"{checkpoint.time}: rewritten after seq {self.last_good_seq}",
                )


def _valid_anchors(report: Report, checkpoints: list[SignedCheckpoint], keys: KeySet) -> _Anchors:
    by_seq: dict[int, list[SignedCheckpoint]] = {}
    unknown: dict[str, int] = {}
    for checkpoint in checkpoints:
        public_key = keys.get(checkpoint.key_id)
        if public_key is None:
            # A retired key left out of the configuration, or a forgery with a made-up key
            # id: either way it vouches for nothing, and the verification says so.
            report.other_key_checkpoints += 1
            unknown[checkpoint.key_id] = unknown.get(checkpoint.key_id, 0) + 1
        elif checkpoint.verify(public_key):
            by_seq.setdefault(checkpoint.seq, []).append(checkpoint)
        else:
            report.fail(
                None,
                f"the checkpoint for seq {checkpoint.seq} signed at {checkpoint.time} has no "
                f"valid signature by its key {checkpoint.key_id}",
            )
    for kid, count in unknown.items():
        report.fail(
            None,
            f"{count} checkpoint(s) name key {kid}, which is not a trusted key: if it is a "
            "retired signing key, add its public key to CANET_AUDIT_PREVIOUS_PUBLIC_KEYS",
        )
    return _Anchors(by_seq)


async def verify_database(
    db: Database,
    public_keys: Ed25519PublicKey | Iterable[Ed25519PublicKey],
    *,
    since_checkpoint: bool = False,
) -> Report:
    """Recompute the sealed chain (from the genesis, or from the latest valid checkpoint),
    checking the checkpoints with `public_keys` (one key, or the current and previous ones)."""
    report = Report()
    keys = key_set(public_keys)
    async with db.engine.connect() as plain:
        # One snapshot for checkpoints, chain and strays: no false alarm from a concurrent seal.
        conn = await plain.execution_options(isolation_level="REPEATABLE READ")
        await conn.execute(sa.text("SET TRANSACTION READ ONLY"))
        anchors = _valid_anchors(report, await all_checkpoints(conn), keys)
        start, prev_hash = 1, GENESIS_HASH
        if since_checkpoint and anchors.by_seq:
            base = max(anchors.by_seq)
            stored = await repository.link_hash_at(conn, base)
            if stored != anchors.by_seq[base][0].hash:
                report.fail(base, f"the chain at seq {base} does not match its checkpoint")
                await conn.rollback()
                return report
            start, prev_hash = base + 1, stored
            anchors.last_good_seq = base
        report.head_seq, report.head_hash = start - 1, prev_hash
        result = await repository.stream_chain_from(conn, start, batch=STREAM_BATCH)
        expected = start
        async for partition in result.partitions():
            for row in partition:
                if row.seq != expected:
                    report.fail(expected, f"seq {expected} is missing from the chain")
                    break
                if row.id is None:
                    report.fail(row.seq, f"the entry sealed at seq {row.seq} was deleted")
                    break
                prev_hash = link_hash(prev_hash, record_of(row.seq, row._mapping))
                if prev_hash != row.link_hash:
                    report.fail(row.seq, f"the entry at seq {row.seq} does not match its hash")
                    break
                anchors.check(report, row.seq, prev_hash)
                report.checked += 1
                report.head_seq, report.head_hash = row.seq, prev_hash
                expected += 1
            else:
                # Hashing millions of rows is CPU work: let other requests in between batches.
                await asyncio.sleep(0)
                continue
            break
        await result.close()
        if report.ok:
            beyond = [s for s in anchors.by_seq if s > report.head_seq]
            if beyond:
                report.fail(
                    report.head_seq + 1,
                    f"a checkpoint was signed for seq {max(beyond)} but the chain ends at "
                    f"{report.head_seq}: entries were removed",
                )
        if not since_checkpoint and report.ok:
            await _check_strays(conn, report)
        await conn.rollback()
    return report


async def _check_strays(conn: AsyncConnection, report: Report) -> None:
    """Entries the sealer has passed over yet are not in the chain were slipped in later."""
    head = await repository.head_entry_key(conn)
    if head is None:
        return
    strays = await repository.unsealed_entries_before(conn, (head.xact_id, head.id))
    if strays:
        report.fail(
            None, f"{strays} entries older than the chain head were never sealed (inserted later)"
        )
