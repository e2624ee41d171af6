"""Write throughput of a simple audited action, with and without its audit entry.

    .venv/bin/python -m bench.audit_throughput [--admin-url postgresql://postgres@127.0.0.1/postgres]
        [--clients 1,16,64] [--seconds 5] [--modes none,audit,inline] [--repeat N] [--embedded]

Creates a scratch database on the server (dropped afterwards), applies the migrations and
runs, for each mode and number of concurrent clients, a closed loop of transactions through
the application's own Database/session code:

- none:   INSERT one row into a work table, commit (the action without an audit entry);
- audit:  the same plus `audit.record()` (entry written unchained), with the production
          sealer running beside it as in a worker (seal every 0.25 s, one sealer);
- inline: the design we did not take: the entry chained inside the transaction, under an
          advisory lock held until commit, so audited writes commit one at a time.

Prints commits per second per mode and client count, and for `audit` how long the sealer
needed after the load stopped to chain the backlog.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from sqlalchemy import text

from app import migrate
from app.audit.sealing import seal_pending
from app.auth.actor import Actor
from app.core import audit, journal
from app.core.audit import Target
from app.core.embedded_pg import EmbeddedPostgres
from app.db import Database, plain_url

INLINE_LOCK = 7_412_000
ACTOR = Actor.member(
    user_id=uuid.uuid4(), session_id=uuid.uuid4(), roles=["officer"], client_ip="127.0.0.1"
)


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(plain_url(url))
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(plain_url(url))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _prepare(url: str) -> None:
    conn = await asyncpg.connect(plain_url(url))
    try:
        await conn.execute(
            "CREATE TABLE bench_items (id bigserial PRIMARY KEY, payload text NOT NULL,"
            " created_at timestamptz NOT NULL DEFAULT now());"
            "CREATE TABLE bench_inline_chain (seq bigint PRIMARY KEY, entry_id bigint NOT NULL,"
            " hash text NOT NULL)"
        )
    finally:
        await conn.close()


async def _action(db: Database, mode: str, n: int) -> None:
    async with db.transaction() as session:
        await session.execute(
            text("INSERT INTO bench_items (payload) VALUES (:p)"), {"p": f"item {n}"}
        )
        if mode == "none":
            return
        if mode == "inline":
            await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": INLINE_LOCK})
        await audit.record(
            session,
            actor=ACTOR,
            action="bench.item.created",
            target=Target("bench_item", n),
            details={"n": n},
        )
        if mode == "inline":
            # The chain needs the entry's id now: write it before the commit.
            await journal.flush(session)
            entry_id = await session.scalar(
                text("SELECT currval(pg_get_serial_sequence('audit_entries', 'id'))")
            )
            head = (
                await session.execute(
                    text("SELECT seq, hash FROM bench_inline_chain ORDER BY seq DESC LIMIT 1")
                )
            ).first()
            seq, prev = (head.seq, head.hash) if head else (0, "0" * 64)
            digest = hashlib.sha256(f"{prev}{entry_id}{n}".encode()).hexdigest()
            await session.execute(
                text("INSERT INTO bench_inline_chain VALUES (:s, :e, :h)"),
                {"s": seq + 1, "e": entry_id, "h": digest},
            )


async def _sealer(db: Database, stop: asyncio.Event) -> None:
    while not stop.is_set():
        await seal_pending(db, wait=False)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.25)


async def _run(url: str, mode: str, clients: int, seconds: float) -> tuple[float, float, float]:
    db = Database(url, pool_size=clients + 2, max_overflow=0)
    counter = 0
    deadline = 0.0

    async def client(index: int) -> None:
        nonlocal counter
        n = index * 10_000_000
        while time.perf_counter() < deadline:
            await _action(db, mode, n)
            n += 1
            counter += 1

    try:
        # Warm the pool and the caches, then measure.
        await asyncio.gather(*(_action(db, mode, -i - 1) for i in range(clients)))
        stop = asyncio.Event()
        sealing = asyncio.create_task(_sealer(db, stop)) if mode == "audit" else None
        cpu0 = time.process_time()
        start = time.perf_counter()
        deadline = start + seconds
        await asyncio.gather(*(client(i) for i in range(clients)))
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu0
        lag = 0.0
        if sealing is not None:
            stop.set()
            await sealing
            lag_start = time.perf_counter()
            await seal_pending(db)
            lag = time.perf_counter() - lag_start
        return counter / elapsed, cpu / elapsed, lag
    finally:
        await db.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("CANET_BENCH_DATABASE_URL")
        or os.environ.get("CANET_TEST_DATABASE_URL")
        or "postgresql://postgres@127.0.0.1:5432/postgres",
    )
    parser.add_argument("--clients", default="1,16,64")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--modes", default="none,audit,inline")
    parser.add_argument("--repeat", type=int, default=1, help="report the best of N runs")
    parser.add_argument(
        "--embedded",
        action="store_true",
        help="use a private embedded PostgreSQL (durable settings) instead of --admin-url",
    )
    args = parser.parse_args()
    embedded = None
    if args.embedded:
        embedded = EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="canet-bench-audit-")))
        args.admin_url = _with_db(await asyncio.to_thread(embedded.start), "postgres")
    try:
        await _bench(args)
    finally:
        if embedded is not None:
            await asyncio.to_thread(embedded.stop)
            shutil.rmtree(embedded.data_dir, ignore_errors=True)


async def _bench(args: argparse.Namespace) -> None:

    name = f"canet_bench_audit_{uuid.uuid4().hex[:8]}"
    await _admin(args.admin_url, f'CREATE DATABASE "{name}"')
    url = _with_db(args.admin_url, name)
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        await _prepare(url)
        print(f"{'mode':8} {'clients':>7} {'commits/s':>10} {'client CPU':>10} {'seal lag':>9}")
        for clients in [int(c) for c in args.clients.split(",")]:
            for mode in args.modes.split(","):
                # Best of --repeat runs: on a shared machine the best run is the one least
                # disturbed by other work.
                runs = [await _run(url, mode, clients, args.seconds) for _ in range(args.repeat)]
                rate, cpu, lag = max(runs)
                lag_text = f"{lag:8.2f}s" if mode == "audit" else " " * 9
                print(f"{mode:8} {clients:7d} {rate:10.0f} {cpu:9.0%} {lag_text}", flush=True)
    finally:
        await _admin(args.admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
