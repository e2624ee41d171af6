"""Helpers for the audit tests: write entries, tamper as the superuser, verify."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from app.audit.signing import load_signing_key
from app.audit.verify import Report, verify_database
from app.auth.actor import Actor
from app.config import Settings
from app.core import audit
from app.core.audit import Target
from app.db import Database


async def write_entries(db: Database, count: int, *, action: str = "test.written") -> None:
    """`count` entries, one committed transaction each."""
    for n in range(count):
        async with db.transaction() as session:
            await audit.record(
                session,
                actor=Actor.system(),
                action=action,
                target=Target("thing", n),
                details={"n": n},
            )


async def tamper(db: Database, *statements: str, **params: Any) -> None:
    """Run SQL behind the application's back: as the superuser, append-only triggers off."""
    async with db.engine.begin() as conn:
        await conn.execute(text("SET LOCAL session_replication_role = replica"))
        for statement in statements:
            await conn.execute(text(statement), params)


async def entry_id_at(db: Database, seq: int) -> int:
    async with db.engine.connect() as conn:
        value = await conn.scalar(
            text("SELECT entry_id FROM audit_chain WHERE seq = :s"), {"s": seq}
        )
    assert value is not None
    return int(value)


async def verify(db: Database, settings: Settings, *, since_checkpoint: bool = False) -> Report:
    public_key = load_signing_key(settings).public_key()
    return await verify_database(db, public_key, since_checkpoint=since_checkpoint)
