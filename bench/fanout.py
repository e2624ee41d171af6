"""The `delivery` scenario: N websocket listeners on one thread, one member posting 10/s.

Builds on bench/delivery.py (its `_seed` makes the listeners: officers with sessions whose
tokens are issued directly, since signing 5,000 members in through argon2 would take
minutes). Unlike delivery.measure, each socket is tracked on its own, so a loss on one
socket can never hide behind a duplicate on another: losses = (post, socket) pairs never
received; duplicates = (post, socket) pairs received more than once. Latency is receipt on
the socket minus the start of the POST (CLOCK_MONOTONIC is system-wide).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import time
from typing import Any

import httpx
from websockets.asyncio.client import connect

WARM_UP_POSTS = 3


def _listener_process(ws_url: str, tokens: list[str], ready: Any, done: Any, results: Any) -> None:
    async def run() -> None:
        per_socket: list[dict[str, float]] = [{} for _ in tokens]
        duplicates = 0
        errors = 0
        sockets: list[Any] = [None] * len(tokens)
        gate = asyncio.Semaphore(50)

        async def open_one(i: int, token: str) -> None:
            nonlocal errors
            async with gate:
                try:
                    ws = await connect(ws_url, open_timeout=60, max_queue=None)
                    await ws.send(json.dumps({"type": "auth", "token": token}))
                    if json.loads(await ws.recv())["type"] != "ready":
                        errors += 1
                        return
                    sockets[i] = ws
                except Exception:
                    errors += 1

        await asyncio.gather(*(open_one(i, t) for i, t in enumerate(tokens)))
        ready.release()

        async def reader(i: int, ws: Any) -> None:
            nonlocal duplicates, errors
            seen = per_socket[i]
            try:
                async for raw in ws:
                    now = time.monotonic()
                    message = json.loads(raw)
                    if message.get("event") != "post.created":
                        continue
                    post_id = message["data"]["post_id"]
                    if post_id in seen:
                        duplicates += 1
                    else:
                        seen[post_id] = now
            except Exception:
                errors += 1

        tasks = [asyncio.create_task(reader(i, ws)) for i, ws in enumerate(sockets) if ws]
        await asyncio.get_running_loop().run_in_executor(None, done.wait)
        closed_early = sum(1 for t in tasks if t.done())
        for ws in sockets:
            if ws is not None:
                await ws.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        results.put(
            {
                "received": per_socket,
                "duplicates": duplicates,
                "errors": errors,
                "closed_early": closed_early,
            }
        )

    asyncio.run(run())


def run_delivery(
    server: Any,
    listener_tokens: list[str],
    author_token: str,
    forum_id: str,
    *,
    clients: int,
    seconds: float,
    rate: float = 10.0,
) -> dict[str, Any]:
    """Connect `clients` listeners, post `rate`/s for `seconds`, and count every receipt."""
    ws_url = f"ws://127.0.0.1:{server.port}/api/v1/ws"
    processes = max(1, min(4, clients // 250))
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Semaphore(0)
    done = ctx.Event()
    results = ctx.Queue()
    tokens = listener_tokens[:clients]
    rss_before = server.worker_rss_mb()
    connect_started = time.monotonic()
    procs = []
    for p in range(processes):
        proc = ctx.Process(
            target=_listener_process, args=(ws_url, tokens[p::processes], ready, done, results)
        )
        proc.start()
        procs.append(proc)
    for _ in procs:
        if not ready.acquire(timeout=600):
            raise RuntimeError("listeners did not connect")
    connect_s = time.monotonic() - connect_started
    time.sleep(2)  # settle before reading memory
    rss_idle = server.worker_rss_mb()

    started: dict[str, float] = {}
    post_ms: list[float] = []
    post_errors = 0
    headers = {"Authorization": f"Bearer {author_token}"}
    with httpx.Client(base_url=f"{server.base_url}/api/v1", headers=headers, timeout=30) as http:
        thread = http.post(
            f"/forums/{forum_id}/threads", json={"title": "Delivery bench", "body": "go"}
        )
        thread.raise_for_status()
        thread_id = thread.json()["id"]
        for n in range(WARM_UP_POSTS):
            http.post(f"/threads/{thread_id}/posts", json={"body": f"warm-up {n}"})
            time.sleep(1 / rate)
        interval = 1 / rate
        next_at = time.monotonic()
        for n in range(int(seconds * rate)):
            delay = next_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            next_at += interval
            t0 = time.monotonic()
            response = http.post(f"/threads/{thread_id}/posts", json={"body": f"post {n}"})
            if response.status_code != 201:
                post_errors += 1
                continue
            post_ms.append((time.monotonic() - t0) * 1000)
            started[response.json()["id"]] = t0
    time.sleep(3)
    rss_after = server.worker_rss_mb()
    done.set()
    latencies: list[float] = []
    missing = duplicates = errors = closed_early = 0
    for _ in procs:
        outcome = results.get(timeout=300)
        duplicates += outcome["duplicates"]
        errors += outcome["errors"]
        closed_early += outcome["closed_early"]
        for seen in outcome["received"]:
            for post_id, t0 in started.items():
                stamp = seen.get(post_id)
                if stamp is None:
                    missing += 1
                else:
                    latencies.append((stamp - t0) * 1000)
    for proc in procs:
        proc.join(timeout=30)
    latencies.sort()

    def pct(values: list[float], p: float) -> float:
        if not values:
            return float("nan")
        return round(values[min(len(values) - 1, int(p / 100 * len(values)))], 1)

    return {
        "rps": round(len(started) / seconds, 1),
        "p50_ms": pct(latencies, 50),
        "p95_ms": pct(latencies, 95),
        "p99_ms": pct(latencies, 99),
        "errors": post_errors + errors,
        "clients": clients,
        "posts": len(started),
        "deliveries": len(latencies),
        "losses": missing,
        "duplicates": duplicates,
        "closed_early": closed_early,
        "max_ms": round(latencies[-1], 1) if latencies else None,
        "post_request_p50_ms": pct(sorted(post_ms), 50),
        "connect_s": round(connect_s, 1),
        "rss_per_worker_mb_before": rss_before,
        "rss_per_worker_mb_idle": rss_idle,
        "rss_per_worker_mb_after": rss_after,
    }
