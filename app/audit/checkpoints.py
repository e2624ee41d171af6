"""Signed checkpoints of the chain head: made on demand and by the periodic task."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select

from app.audit.chain import format_time
from app.audit.sealing import chain_head, take_seal_lock
from app.audit.signing import SignedCheckpoint, sign_checkpoint
from app.db import Database
from app.models.audit import AuditChainLink, AuditCheckpoint


def as_signed(row: Any) -> SignedCheckpoint:
    """A checkpoint row (ORM object or result row) in its signed form."""
    return SignedCheckpoint(
        seq=row.seq,
        hash=row.hash,
        time=format_time(row.signed_at),
        key_id=row.key_id,
        signature=row.signature,
    )


async def latest_checkpoint(conn: AsyncConnection) -> Any | None:
    stmt = select(AuditCheckpoint).order_by(col(AuditCheckpoint.id).desc()).limit(1)
    return (await conn.execute(stmt)).first()


async def _chain_started(conn: AsyncConnection) -> datetime | None:
    links = AuditChainLink.__table__.c  # type: ignore[attr-defined]
    return await conn.scalar(sa.select(links.sealed_at).where(links.seq == 1))


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
        last = await latest_checkpoint(conn)
        if last is not None and last.seq >= seq:
            return None
        since = last.signed_at if last is not None else await _chain_started(conn)
        if since is not None and now - since < min_age:
            return None
    # Microseconds are kept: the signed text carries them and the row must match it exactly.
    signed = sign_checkpoint(key, seq=seq, hash_=hash_, at=now)
    await conn.execute(
        sa.insert(AuditCheckpoint.__table__).values(  # type: ignore[attr-defined]
            seq=signed.seq,
            hash=signed.hash,
            signed_at=now,
            key_id=signed.key_id,
            signature=signed.signature,
        )
    )
    return signed


async def create_checkpoint(db: Database, key: Ed25519PrivateKey) -> SignedCheckpoint | None:
    """Sign the current head now (None if nothing is sealed yet)."""
    async with db.engine.begin() as conn:
        # Under the sealing lock: the head cannot move while it is read and signed.
        await take_seal_lock(conn, wait=True)
        return await _checkpoint_head(conn, key, min_age=None)


async def maybe_checkpoint(
    db: Database, key: Ed25519PrivateKey, *, every: timedelta
) -> SignedCheckpoint | None:
    """Sign the head if it moved and the last checkpoint is older than `every`."""
    async with db.engine.begin() as conn:
        if not await take_seal_lock(conn, wait=False):
            return None
        return await _checkpoint_head(conn, key, min_age=every)


async def all_checkpoints(conn: AsyncConnection) -> list[SignedCheckpoint]:
    """Every checkpoint, oldest first (a few per hour: small enough to hold)."""
    rows = (await conn.execute(select(AuditCheckpoint).order_by(col(AuditCheckpoint.id)))).all()
    return [as_signed(r) for r in rows]
