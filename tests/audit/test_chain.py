"""Sealing in commit order, append-only enforcement, and tamper detection."""

from __future__ import annotations

import asyncio
import random

import pytest
import sqlalchemy as sa
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.audit.chain import GENESIS_HASH, entry_columns, link_hash, record_of
from app.audit.checkpoints import create_checkpoint
from app.audit.sealing import seal_pending
from app.audit.signing import KeyFormatError, load_signing_key
from app.auth.actor import Actor
from app.config import Settings
from app.core import audit, journal
from app.core.audit import Target
from app.db import Database
from app.main import create_app
from app.models.audit import AuditChainLink, AuditEntry
from tests.audit.helpers import entry_id_at, tamper, verify, write_entries

STAMP = "audit_entries_stamp_xact"


class Abort(Exception):
    pass


async def _chain(db: Database) -> list[tuple[int, int]]:
    async with db.engine.connect() as conn:
        rows = (
            await conn.execute(text("SELECT seq, entry_id FROM audit_chain ORDER BY seq"))
        ).all()
    return [(int(r.seq), int(r.entry_id)) for r in rows]


async def _entry_ids(db: Database, action: str) -> set[int]:
    # By action: other domains' background tasks may write entries of their own meanwhile.
    query = text("SELECT id FROM audit_entries WHERE action = :a")
    async with db.engine.connect() as conn:
        return set((await conn.execute(query, {"a": action})).scalars())


async def test_fifty_concurrent_writers_make_one_gapless_verifiable_chain(
    database_url: str, db: Database, settings: Settings
) -> None:
    # 50 writers share 25 connections, as requests share a worker's pool: at most 25
    # transactions are open at once (the test server is shared, max_connections is 100).
    writers = Database(database_url, pool_size=25, max_overflow=0)
    rng = random.Random(7)
    committed: list[int] = []
    stop = asyncio.Event()

    async def writer(n: int) -> None:
        try:
            async with writers.transaction() as session:
                await audit.record(
                    session,
                    actor=Actor.system(),
                    action="test.concurrent",
                    target=Target("thing", n),
                    details={"n": n},
                )
                # Written now, not as it commits, so that it takes its id long before then.
                await journal.flush(session)
                entry_id = await session.scalar(
                    text("SELECT id FROM audit_entries WHERE target_id = :t"), {"t": str(n)}
                )
                # Hold the transaction open a random while: commits land out of id order.
                await asyncio.sleep(rng.random() * 0.2)
                if n % 10 == 3:
                    raise Abort
            assert entry_id is not None
            committed.append(entry_id)
        except Abort:
            pass

    async def sealer() -> None:
        # Sealing while the writers are mid-transaction must never skip or misorder one.
        while not stop.is_set():
            await seal_pending(db)
            await asyncio.sleep(0.01)

    sealing = asyncio.create_task(sealer())
    try:
        await asyncio.gather(*(writer(n) for n in range(50)))
    finally:
        stop.set()
        await sealing
        await writers.dispose()
    await seal_pending(db)

    chain = await _chain(db)
    assert len(committed) == 45
    assert [seq for seq, _ in chain] == list(range(1, len(chain) + 1))
    assert set(committed) <= {entry for _, entry in chain}
    assert await _entry_ids(db, "test.concurrent") == set(committed)  # rollbacks left nothing
    report = await verify(db, settings)
    assert report.ok, report.problems
    assert report.checked == len(chain)
    assert report.first_bad_seq is None


async def test_rolled_back_action_leaves_no_entry(db: Database) -> None:
    with pytest.raises(Abort):
        async with db.transaction() as session:
            await audit.record(session, actor=Actor.system(), action="test.rolled", target=None)
            raise Abort
    assert await _entry_ids(db, "test.rolled") == set()


async def test_an_uncommitted_lower_entry_holds_sealing_back(db: Database) -> None:
    """A commits after B although A inserted first: the chain waits for A, then seals both."""
    async with db.sessionmaker() as a_session:
        await audit.record(a_session, actor=None, action="test.a", target=None)
        await journal.flush(a_session)
        await write_entries(db, 1, action="test.b")
        # B is committed, but A's transaction is older: nothing may be sealed before A.
        assert await seal_pending(db, patience=0.3) == 0
        await a_session.commit()
    await seal_pending(db)
    order = [entry for _, entry in await _chain(db)]
    (entry_a,) = await _entry_ids(db, "test.a")
    (entry_b,) = await _entry_ids(db, "test.b")
    assert order.index(entry_a) < order.index(entry_b)


async def test_audit_tables_refuse_update_delete_truncate(db: Database) -> None:
    await write_entries(db, 1)
    await seal_pending(db)
    for statement in (
        "UPDATE audit_entries SET action = 'x'",
        "DELETE FROM audit_entries",
        "TRUNCATE audit_entries CASCADE",
        "UPDATE audit_chain SET hash = 'x'",
        "DELETE FROM audit_chain",
        "TRUNCATE audit_chain",
        "DELETE FROM audit_checkpoints",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with db.engine.begin() as conn:
                await conn.execute(text(statement))


async def test_entries_carry_their_transaction_whatever_the_client_sends(db: Database) -> None:
    async with db.transaction() as session:
        entry = AuditEntry(action="test.forged", xact_id=1)
        session.add(entry)
        await session.flush()
        own = await session.scalar(text("SELECT pg_current_xact_id()::text::bigint"))
        stored = await session.scalar(
            text("SELECT xact_id FROM audit_entries WHERE id = :id"), {"id": entry.id}
        )
    assert stored == own != 1


async def _sealed_chain_with_checkpoints(db: Database, settings: Settings) -> None:
    """Ten sealed entries, checkpoints signed at seq 2 and seq 10."""
    key = load_signing_key(settings)
    await write_entries(db, 2)
    await seal_pending(db)
    assert (await create_checkpoint(db, key)) is not None
    await write_entries(db, 8)
    await seal_pending(db)
    assert (await create_checkpoint(db, key)) is not None
    report = await verify(db, settings)
    assert report.ok and report.checked == 10 and report.checkpoints_checked == 2


async def _rewrite_from(db: Database, seq: int) -> None:
    """What a careful forger does: change an entry, then recompute every later hash."""
    entry_id = await entry_id_at(db, seq)
    await tamper(
        db,
        "UPDATE audit_entries SET details = '{\"n\": 999}' WHERE id = :id",
        id=entry_id,
    )
    async with db.engine.connect() as conn:
        prev = await conn.scalar(
            text("SELECT hash FROM audit_chain WHERE seq = :s"), {"s": seq - 1}
        )
        links = AuditChainLink.__table__
        stmt = (
            sa.select(links.c.seq, *entry_columns())
            .select_from(links.join(AuditEntry.__table__))
            .where(links.c.seq >= seq)
            .order_by(links.c.seq)
        )
        rows = (await conn.execute(stmt)).all()
    hashes = []
    prev_hash = prev or GENESIS_HASH
    for row in rows:
        prev_hash = link_hash(prev_hash, record_of(row.seq, row._mapping))
        hashes.append((row.seq, prev_hash))
    await tamper(
        db,
        *[f"UPDATE audit_chain SET hash = '{h}' WHERE seq = {s}" for s, h in hashes],
    )


@pytest.mark.parametrize(
    ("kind", "first_bad"),
    [
        ("edit", 4),
        ("delete_entry", 4),
        ("delete_link", 4),
        ("delete_both", 4),
        ("reorder_links", 4),
        ("swap_contents", 4),
        ("rewrite_and_rehash", 3),
        ("cut_tail", 9),
        ("edit_hash", 7),
    ],
)
async def test_tampering_is_detected_with_the_first_bad_seq(
    db: Database, settings: Settings, kind: str, first_bad: int
) -> None:
    await _sealed_chain_with_checkpoints(db, settings)
    e4, e5, e9, e10 = [await entry_id_at(db, s) for s in (4, 5, 9, 10)]
    if kind == "edit":
        await tamper(db, "UPDATE audit_entries SET action = 'test.innocent' WHERE id = :i", i=e4)
    elif kind == "delete_entry":
        await tamper(db, "DELETE FROM audit_entries WHERE id = :i", i=e4)
    elif kind == "delete_link":
        await tamper(db, "DELETE FROM audit_chain WHERE seq = 4")
    elif kind == "delete_both":
        await tamper(
            db,
            "DELETE FROM audit_chain WHERE seq = 4",
            "DELETE FROM audit_entries WHERE id = :i",
            i=e4,
        )
    elif kind == "reorder_links":
        await tamper(
            db,
            "UPDATE audit_chain SET seq = -4 WHERE seq = 4",
            "UPDATE audit_chain SET seq = 4 WHERE seq = 5",
            "UPDATE audit_chain SET seq = 5 WHERE seq = -4",
        )
    elif kind == "swap_contents":
        # Entry 4 and 5 exchange their payloads: same rows, different order of events.
        await tamper(
            db,
            "UPDATE audit_entries a SET details = b.details, target_id = b.target_id "
            "FROM audit_entries b WHERE (a.id, b.id) IN ((:x, :y), (:y, :x))",
            x=e4,
            y=e5,
        )
    elif kind == "rewrite_and_rehash":
        await _rewrite_from(db, 4)
    elif kind == "cut_tail":
        await tamper(
            db,
            "DELETE FROM audit_chain WHERE seq >= 9",
            "DELETE FROM audit_entries WHERE id IN (:a, :b)",
            a=e9,
            b=e10,
        )
    elif kind == "edit_hash":
        await tamper(db, f"UPDATE audit_chain SET hash = '{'ab' * 32}' WHERE seq = 7")
    report = await verify(db, settings)
    assert not report.ok
    assert report.first_bad_seq == first_bad, report.problems


async def test_verify_since_checkpoint_starts_at_the_latest_checkpoint(
    db: Database, settings: Settings
) -> None:
    await _sealed_chain_with_checkpoints(db, settings)
    await write_entries(db, 3)
    await seal_pending(db)
    report = await verify(db, settings, since_checkpoint=True)
    assert report.ok and report.checked == 3 and report.head_seq == 13
    await tamper(
        db, "UPDATE audit_entries SET action = 'x' WHERE id = :i", i=await entry_id_at(db, 12)
    )
    report = await verify(db, settings, since_checkpoint=True)
    assert report.first_bad_seq == 12


async def test_a_forged_checkpoint_is_refused(db: Database, settings: Settings) -> None:
    await _sealed_chain_with_checkpoints(db, settings)
    await tamper(
        db,
        "INSERT INTO audit_checkpoints (seq, hash, signed_at, key_id, signature) "
        "SELECT seq, hash, signed_at, key_id, 'AAAA' FROM audit_checkpoints LIMIT 1",
    )
    report = await verify(db, settings)
    assert not report.ok
    assert any("no valid signature" in p for p in report.problems)


async def test_entries_slipped_in_below_the_head_are_reported(
    db: Database, settings: Settings
) -> None:
    await _sealed_chain_with_checkpoints(db, settings)
    # The stamp trigger fires even in replica mode: a forger needs to disable it by name.
    async with db.engine.begin() as conn:
        await conn.execute(
            text("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_stamp_xact")
        )
        await conn.execute(text("SET LOCAL session_replication_role = replica"))
        await conn.execute(
            text(
                "INSERT INTO audit_entries (xact_id, occurred_at, action, outcome, authority_ids) "
                "VALUES (1, now(), 'test.backdated', 'success', '{}')"
            )
        )
        await conn.execute(
            text("ALTER TABLE audit_entries ENABLE ALWAYS TRIGGER audit_entries_stamp_xact")
        )
    report = await verify(db, settings)
    assert not report.ok
    assert any("never sealed" in p for p in report.problems)


async def test_background_task_seals_moments_after_commit(db: Database, settings: Settings) -> None:
    from datetime import timedelta

    from app.audit.checkpoints import maybe_checkpoint
    from app.audit.tasks import AuditSealer

    key = load_signing_key(settings)
    sealer = AuditSealer(db, key)
    sealer.start()
    try:
        await write_entries(db, 5)
        for _ in range(200):
            if len(await _chain(db)) == 5:
                break
            await asyncio.sleep(0.02)
    finally:
        await sealer.stop()
    assert [seq for seq, _ in await _chain(db)] == [1, 2, 3, 4, 5]
    # Periodic checkpoints wait until the chain (or the last checkpoint) is old enough.
    assert await maybe_checkpoint(db, key, every=timedelta(minutes=10)) is None
    signed = await maybe_checkpoint(db, key, every=timedelta(0))
    assert signed is not None and signed.seq == 5
    assert signed.verify(key.public_key())
    assert await maybe_checkpoint(db, key, every=timedelta(0)) is None  # nothing new to sign


async def test_a_malformed_previous_key_list_stops_the_start_naming_the_setting(
    settings: Settings, db: Database
) -> None:
    broken = settings.model_copy(update={"audit_previous_public_keys": "not-a-key"})
    application = create_app(broken, database=db)
    with pytest.raises(KeyFormatError, match="CANET_AUDIT_PREVIOUS_PUBLIC_KEYS"):
        async with application.router.lifespan_context(application):
            pass
