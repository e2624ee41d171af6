"""A closed-loop HTTP load generator in its own process, pinned away from the server.

aiohttp with keep-alive connections; each of `concurrency` virtual clients sends its next
request as soon as the previous answer arrives. The generator reports its own CPU time so a
reader can tell the server's limit from the client's.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

# A request factory: (client index, request number) -> (method, path, json body or None,
# headers). Must be picklable: a module-level function or a functools.partial of one.
RequestFactory = Callable[[int, int], tuple[str, str, Any, dict[str, str]]]


@dataclass
class LoadResult:
    requests: int = 0
    errors: int = 0
    duration_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    client_cpu_s: float = 0.0
    status_counts: dict[int, int] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
        return ordered[index]

    def summary(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "errors": self.errors,
            "rps": round(self.rps, 1),
            "p50_ms": round(self.percentile(50), 2),
            "p95_ms": round(self.percentile(95), 2),
            "p99_ms": round(self.percentile(99), 2),
            "client_cpu_pct": round(100 * self.client_cpu_s / self.duration_s, 1)
            if self.duration_s
            else 0.0,
            "statuses": {str(k): v for k, v in sorted(self.status_counts.items())},
        }


async def _run(
    base_url: str,
    factory: RequestFactory,
    concurrency: int,
    duration_s: float,
    warmup_s: float,
    ok_statuses: tuple[int, ...],
) -> LoadResult:
    result = LoadResult()
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=30)
    start = time.perf_counter()
    measure_from = start + warmup_s
    stop_at = measure_from + duration_s

    async with aiohttp.ClientSession(base_url, connector=connector, timeout=timeout) as http:

        async def client(index: int) -> None:
            n = 0
            while True:
                now = time.perf_counter()
                if now >= stop_at:
                    return
                method, path, body, headers = factory(index, n)
                n += 1
                sent = time.perf_counter()
                status = 0
                try:
                    async with http.request(method, path, json=body, headers=headers) as resp:
                        await resp.read()
                        status = resp.status
                except (TimeoutError, aiohttp.ClientError):
                    status = 0
                done = time.perf_counter()
                if sent >= measure_from and done <= stop_at:
                    result.requests += 1
                    result.latencies_ms.append((done - sent) * 1000)
                    result.status_counts[status] = result.status_counts.get(status, 0) + 1
                    if status not in ok_statuses:
                        result.errors += 1

        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        await asyncio.gather(*(client(i) for i in range(concurrency)))
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    result.duration_s = duration_s
    result.client_cpu_s = (cpu_after.ru_utime - cpu_before.ru_utime) + (
        cpu_after.ru_stime - cpu_before.ru_stime
    )
    return result


def _child(conn: Any, args: tuple[Any, ...], cpu: int | None) -> None:
    if cpu is not None and hasattr(os, "sched_setaffinity"):
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, {cpu})
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()
    conn.send(asyncio.run(_run(*args)))
    conn.close()


def generate_load(
    base_url: str,
    factory: RequestFactory,
    *,
    concurrency: int,
    duration_s: float,
    warmup_s: float = 2.0,
    ok_statuses: tuple[int, ...] = (200, 201, 204),
    cpu: int | None = None,
) -> LoadResult:
    """Run the load in a separate process (optionally pinned to `cpu`) and return its result."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(
        target=_child,
        args=(child, (base_url, factory, concurrency, duration_s, warmup_s, ok_statuses), cpu),
    )
    process.start()
    result: LoadResult = parent.recv()
    process.join()
    return result
