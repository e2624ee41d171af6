"""Signed checkpoints of the chain head: made on demand and by the periodic task."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.ext.asyncio import AsyncConnection

from app.audit import repository
from app.audit.chain import format_time
from app.audit.sealing import chain_head
from app.audit.signing import SignedCheckpoint, sign_checkpoint
from app.db import Database


def as_signed(row: Any) -> SignedCheckpoint:
    """A checkpoint row (ORM object or result row) in its signed form."""
    return SignedCheckpoint(
        seq=row.seq,
        hash=row.hash,
        time=format_time(row.signed_at),
        key_id=row.key_id,
        signature=row.signature,
    )


async def _checkpoint_head(
    conn: AsyncConnection, key: Ed25519PrivateKey, *, min_age: timedelta | None
) -> SignedCheckpoint | None:
    head = await chain_head(conn)
    if head is None:
        return None
    seq, hash_, _, _ = head
    now = datetime.now(UTC)
    if min_age is not None:
        # The periodic task signs only when the chain grew since the last checkpoint and that
        # one (or, before the first, the start of the chain) is older than `min_age`.
        last = await repository.latest_checkpoint(conn)
        if last is not None and last.seq >= seq:
            return None
        since = last.signed_at if last is not None else await repository.chain_start_time(conn)
        if since is not None and now - since < min_age:
            return None
    # Microseconds are kept: the signed text carries them and the row must match it exactly.
    signed = sign_checkpoint(key, seq=seq, hash_=hash_, at=now)
    await repository.insert_checkpoint(
        conn,
        seq=signed.seq,
        hash_=signed.hash,
        signed_at=now,
        key_id=signed.key_id,
        signature=signed.signature,
    )
    return signed


async def create_checkpoint(db: Database, key: Ed25519PrivateKey) -> SignedCheckpoint | None:
    """Sign the current head now (None if nothing is sealed yet)."""
    async with db.engine.begin() as conn:
        # Under the sealing lock: the head cannot move while it is read and signed.
        await repository.take_seal_lock(conn, wait=True)
        return await _checkpoint_head(conn, key, min_age=None)


async def maybe_checkpoint(
    db: Database, key: Ed25519PrivateKey, *, every: timedelta
) -> SignedCheckpoint | None:
    """Sign the head if it moved and the last checkpoint is older than `every`."""
    async with db.engine.begin() as conn:
        if not await repository.take_seal_lock(conn, wait=False):
            return None
        return await _checkpoint_head(conn, key, min_age=every)


async def all_checkpoints(conn: AsyncConnection) -> list[SignedCheckpoint]:
    """Every checkpoint, oldest first (a few per hour: small enough to hold)."""
    return [as_signed(r) for r in await repository.every_checkpoint(conn)]
