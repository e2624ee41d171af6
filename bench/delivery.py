"""Real-time delivery: latency from post request start to receipt on every socket, and memory.

Starts a scratch database and `canet serve --workers 2`, connects N websocket clients (spread
over client processes so the clients' own parsing does not inflate the figures), then posts
into a network-forum thread that every client may read and stamps each receipt. Latency is
(receipt on the socket) - (start of the POST request), over all (post, client) pairs; the
clocks compare because CLOCK_MONOTONIC is system-wide. Memory per 1,000 idle connections is
the growth of the workers' RSS after connecting.

    CANET_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1/postgres \
        .venv/bin/python -m bench.delivery --clients 100 1000 --posts 50
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from websockets.asyncio.client import connect

from app.auth.tokens import issue_access_token
from app.db import Database
from app.models.directory import Authority
from app.models.forums import Forum
from app.models.identity import User, UserSession
from bench.server import BENCH_SECRET, ScratchDatabase, running_server

WARM_UP = 3


async def _seed(url: str, members: int) -> tuple[list[str], str]:
    """`members` officers with live sessions (tokens) and a network forum."""
    database = Database(url)
    tokens: list[str] = []
    try:
        async with database.transaction() as session:
            authority = Authority(state_code="FRA", name=f"Bench {uuid.uuid4().hex[:6]}")
            session.add(authority)
            await session.flush()
            forum = Forum(name="Bench forum", audience_kind="network")
            session.add(forum)
            users = [
                User(
                    email=f"bench{n}@example.org",
                    handle=f"bench{n}",
                    full_name=f"Bench {n}",
                    password_hash="!",
                    roles=["officer"],
                    authority_id=authority.id,
                    vetting_expires_at=datetime.now(UTC) + timedelta(days=30),
                )
                for n in range(members)
            ]
            session.add_all(users)
            await session.flush()
            sessions = [
                UserSession(user_id=u.id, expires_at=datetime.now(UTC) + timedelta(days=1))
                for u in users
            ]
            session.add_all(sessions)
            await session.flush()
            for user, user_session in zip(users, sessions, strict=True):
                token, _ = issue_access_token(
                    BENCH_SECRET,
                    user_id=user.id,
                    session_id=user_session.id,
                    ttl=timedelta(hours=2),
                )
                tokens.append(token)
            forum_id = str(forum.id)
    finally:
        await database.dispose()
    return tokens, forum_id


def _client_process(
    ws_url: str, tokens: list[str], ready: Any, done: Any, results: Any, expected: int
) -> None:
    async def run() -> None:
        received: dict[str, list[float]] = {}
        sockets = []
        for token in tokens:
            ws = await connect(ws_url, open_timeout=30, max_queue=None)
            await ws.send(json.dumps({"type": "auth", "token": token}))
            assert json.loads(await ws.recv())["type"] == "ready"
            sockets.append(ws)
        ready.release()

        async def reader(ws: Any) -> None:
            count = 0
            async for raw in ws:
                now = time.monotonic()
                message = json.loads(raw)
                if message.get("event") == "post.created":
                    received.setdefault(message["data"]["post_id"], []).append(now)
                    count += 1
                    if count >= expected:
                        return

        tasks = [asyncio.create_task(reader(ws)) for ws in sockets]
        await asyncio.get_running_loop().run_in_executor(None, done.wait)
        await asyncio.wait(tasks, timeout=30)
        for ws in sockets:
            await ws.close()
        results.put(received)

    asyncio.run(run())


def measure(
    server: Any, tokens: list[str], forum_id: str, clients: int, posts: int
) -> dict[str, Any]:
    ws_url = f"ws://127.0.0.1:{server.port}/api/v1/ws"
    api = f"{server.base_url}/api/v1"
    author = {"Authorization": f"Bearer {tokens[-1]}"}
    rss_before = sum(server.worker_rss_mb())
    processes = 4 if clients >= 400 else 1
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Semaphore(0)
    done = ctx.Event()
    results = ctx.Queue()
    chunks = [tokens[i::processes] for i in range(processes)]
    chunks = [c[: (clients // processes) + 1] for c in chunks]
    total = 0
    procs = []
    for chunk in chunks:
        take = min(len(chunk), clients - total)
        total += take
        proc = ctx.Process(
            target=_client_process,
            args=(ws_url, chunk[:take], ready, done, results, posts + WARM_UP),
        )
        proc.start()
        procs.append(proc)
    for _ in procs:
        ready.acquire(timeout=300)
    time.sleep(2)  # let the workers settle before reading memory
    rss_idle = sum(server.worker_rss_mb())

    started: dict[str, float] = {}
    post_ms: list[float] = []
    with httpx.Client(base_url=api, headers=author, timeout=30) as http:
        thread = http.post(f"/forums/{forum_id}/threads", json={"title": "bench", "body": "go"})
        thread.raise_for_status()
        thread_id = thread.json()["id"]
        time.sleep(1)
        # Warm-up posts (not measured): the first fan-out to every socket is the cold one.
        for n in range(WARM_UP):
            http.post(f"/threads/{thread_id}/posts", json={"body": f"warm-up {n}"})
            time.sleep(0.2)
        for n in range(posts):
            t0 = time.monotonic()
            response = http.post(f"/threads/{thread_id}/posts", json={"body": f"post {n}"})
            response.raise_for_status()
            post_ms.append((time.monotonic() - t0) * 1000)
            started[response.json()["id"]] = t0
            time.sleep(0.2)
    time.sleep(2)
    done.set()
    latencies: list[float] = []
    missing = 0
    for _ in procs:
        received: dict[str, list[float]] = results.get(timeout=120)
        for post_id, t0 in started.items():
            stamps = received.get(post_id, [])
            latencies.extend((t - t0) * 1000 for t in stamps)
    for proc in procs:
        proc.join(timeout=30)
    expected = clients * posts
    missing = expected - len(latencies)
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))], 1)

    return {
        "clients": clients,
        "posts": posts,
        "deliveries": len(latencies),
        "missing": missing,
        "p50_ms": pct(50),
        "p99_ms": pct(99),
        "max_ms": round(latencies[-1], 1),
        "mean_ms": round(statistics.fmean(latencies), 1),
        "post_request_p50_ms": round(statistics.median(post_ms), 1),
        "worker_rss_before_mb": round(rss_before, 1),
        "worker_rss_idle_mb": round(rss_idle, 1),
        "rss_per_1000_idle_mb": round((rss_idle - rss_before) * 1000 / clients, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--posts", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    scratch = ScratchDatabase.create()
    try:
        tokens, forum_id = asyncio.run(_seed(scratch.url, max(args.clients) + 1))
        with running_server(scratch.url, workers=args.workers) as server:
            for clients in args.clients:
                figures = measure(server, tokens, forum_id, clients, args.posts)
                print(json.dumps(figures), flush=True)
    finally:
        scratch.drop()


if __name__ == "__main__":
    main()
