"""Full sign-in through the API: POST /auth/login (argon2id), then /auth/mfa/verify (TOTP).

Used twice: to sign the load members in before the scenarios (their bearer tokens drive
every other scenario), and as the `login` scenario, a closed loop in its own process over
distinct members (a TOTP code is accepted once per member, so no member signs in twice).
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import resource
import time
from typing import Any

import aiohttp

from app.identity import mfa
from bench.load import LoadResult
from bench.seed import PASSWORD, Member


async def sign_in(http: aiohttp.ClientSession, member: Member) -> tuple[int, str | None]:
    """(status of the failing step or 200, access token)."""
    async with http.post(
        "/api/v1/auth/login", json={"email": member.email, "password": PASSWORD}
    ) as resp:
        body = await resp.json(content_type=None)
        if resp.status != 200:
            return resp.status, None
    code = mfa.code_at_step(member.totp_secret, mfa.current_step())
    async with http.post(
        "/api/v1/auth/mfa/verify",
        json={"challenge_token": body["challenge_token"], "code": code},
    ) as resp:
        tokens = await resp.json(content_type=None)
        if resp.status != 200:
            return resp.status, None
    return 200, str(tokens["access_token"])


async def sign_in_all(base_url: str, members: list[Member], concurrency: int = 8) -> list[str]:
    """Bearer tokens of `members`, signed in through the API (raises on any refusal)."""
    queue = list(enumerate(members))
    tokens: list[str] = [""] * len(members)
    async with aiohttp.ClientSession(base_url) as http:

        async def worker() -> None:
            while queue:
                index, member = queue.pop()
                status, token = await sign_in(http, member)
                if token is None:
                    raise RuntimeError(f"sign-in of {member.email} failed: {status}")
                tokens[index] = token

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return tokens


async def _login_loop(
    base_url: str, members: list[Member], concurrency: int, duration_s: float, warmup_s: float
) -> LoadResult:
    result = LoadResult()
    pool = list(reversed(members))
    start = time.perf_counter()
    measure_from = start + warmup_s
    stop_at = measure_from + duration_s
    async with aiohttp.ClientSession(base_url, timeout=aiohttp.ClientTimeout(total=60)) as http:

        async def client() -> None:
            while pool and time.perf_counter() < stop_at:
                member = pool.pop()
                sent = time.perf_counter()
                try:
                    status, _ = await sign_in(http, member)
                except (TimeoutError, aiohttp.ClientError):
                    status = 0
                done = time.perf_counter()
                if sent >= measure_from and done <= stop_at:
                    result.requests += 1
                    result.latencies_ms.append((done - sent) * 1000)
                    result.status_counts[status] = result.status_counts.get(status, 0) + 1
                    if status != 200:
                        result.errors += 1

        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        await asyncio.gather(*(client() for _ in range(concurrency)))
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    result.duration_s = duration_s
    result.client_cpu_s = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    if not pool:
        # Ran out of members before the window closed: the window is what was measured.
        result.duration_s = max(0.001, min(duration_s, time.perf_counter() - measure_from))
    return result


def _child(conn: Any, args: tuple[Any, ...], cpu: int | None) -> None:
    if cpu is not None and hasattr(os, "sched_setaffinity"):
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, {cpu})
    conn.send(asyncio.run(_login_loop(*args)))
    conn.close()


def login_load(
    base_url: str,
    members: list[Member],
    *,
    concurrency: int,
    duration_s: float,
    warmup_s: float = 2.0,
    cpu: int | None = None,
) -> LoadResult:
    """Sign-ins per second of distinct members, in a separate (pinned) process."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(
        target=_child,
        args=(child, (base_url, members, concurrency, duration_s, warmup_s), cpu),
    )
    process.start()
    result: LoadResult = parent.recv()
    process.join()
    return result
