"""The load process of the `users` scenario: connect the members, let them work, account.

One process pinned to the last core (the server and PostgreSQL have the others): it opens
every member's websocket (50 handshakes at a time), runs the members for the warm-up and
the window, waits for the server's background work and for the sockets to fall quiet, and
returns the figures. Its own CPU time and event-loop lag are measured over the same span,
so a reader can tell when the generator, not the server, was the limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import os
import resource
import time
from typing import Any

import aiohttp
import psutil

from bench import users_events
from bench.server import settle
from bench.users_member import API, Listener, Member, Plan, Recorder


async def _connect(
    ws: aiohttp.ClientSession, url: str, member: Member, gate: Any, readers: list[Any]
) -> bool:
    """Open the member's socket, authenticate, and read it from then on (the server pings
    sockets at the protocol level: one left unread while the others connect would be cut)."""
    socket = None
    async with gate:
        try:
            socket = await ws.ws_connect(url, autoping=True, max_msg_size=0)
            token = member.headers["Authorization"].removeprefix("Bearer ")
            await socket.send_str(json.dumps({"type": "auth", "token": token}))
            ready = await socket.receive(timeout=60)
            if ready.type != aiohttp.WSMsgType.TEXT or json.loads(ready.data)["type"] != "ready":
                raise ValueError(f"no ready message: {ready.type} {ready.data!r}"[:200])
        except (TimeoutError, aiohttp.ClientError, ValueError, KeyError):
            if socket is not None:
                await socket.close()
            return False
    member.listener.ws = socket
    readers.append(asyncio.create_task(member.listener.read()))
    return True


async def _watch_lag(samples: list[float], until: float) -> None:
    """How late the generator's own loop wakes: its saturation shows here first."""
    loop = asyncio.get_running_loop()
    while loop.time() < until:
        asked = loop.time()
        await asyncio.sleep(0.05)
        samples.append((loop.time() - asked - 0.05) * 1000)


async def _drain(plan: Plan, listeners: list[Listener]) -> float:
    """Wait for the server's background work, then for the sockets to fall quiet."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    await loop.run_in_executor(None, settle, plan.database_url)
    deadline = loop.time() + 20
    while loop.time() < deadline:
        if loop.time() - max((s.last_at for s in listeners), default=0.0) > 1.5:
            break
        await asyncio.sleep(0.25)
    return loop.time() - started


async def simulate(plan: Plan) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    recorder = Recorder()
    ws_url = plan.base_url.replace("http", "ws", 1) + API + "/ws"
    keepalive = aiohttp.TCPConnector(limit=0, keepalive_timeout=3)  # below uvicorn's 5 s
    timeout = aiohttp.ClientTimeout(total=30)
    async with (
        aiohttp.ClientSession(plan.base_url, connector=keepalive, timeout=timeout) as http,
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as ws,
    ):
        members = [Member(i, plan, http, recorder) for i in range(plan.members)]
        t0 = loop.time()
        gate = asyncio.Semaphore(50)
        readers: list[Any] = []
        connected = await asyncio.gather(*(_connect(ws, ws_url, m, gate, readers) for m in members))
        connect_s = loop.time() - t0
        online = [m for m, ok in zip(members, connected, strict=True) if ok]
        head = await users_events.head_position(plan.database_url)

        start = loop.time()
        recorder.measure_from = time.perf_counter() + plan.warmup
        stop_at = start + plan.warmup + plan.seconds
        lag: list[float] = []
        watcher = asyncio.create_task(_watch_lag(lag, stop_at))
        cpu0, machine0 = resource.getrusage(resource.RUSAGE_SELF), psutil.cpu_times()
        server0, postgres0 = _cpu_of(plan.server_pids), _cpu_of(_postgres_pids())
        await asyncio.gather(
            *(m.run(stop_at) for m in online),
            *(m.bell(stop_at) for m in online),
            *(m.live(stop_at) for m in online),
        )
        cpu1, machine1 = resource.getrusage(resource.RUSAGE_SELF), psutil.cpu_times()
        server1, postgres1 = _cpu_of(plan.server_pids), _cpu_of(list(postgres0))
        active_s = loop.time() - start
        await watcher
        drain_s = await _drain(plan, [m.listener for m in online])
        for m in online:
            m.listener.closing = True
        await asyncio.gather(*(m.listener.ws.close() for m in online if m.listener.ws))
        await asyncio.gather(*readers, return_exceptions=True)
    events = await users_events.account(plan, members, connected, head)
    measured = lag[int(len(lag) * plan.warmup / (plan.warmup + plan.seconds)) :] or [0.0]
    measured.sort()
    cpu_s = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    everything = sorted(ms for sample in recorder.latencies_ms.values() for ms in sample)
    return {
        "members": plan.members,
        # Over every request of the window (the suite's table shows these for each row).
        "p50_ms": round(users_events.percentile(everything, 50), 1),
        "p95_ms": round(users_events.percentile(everything, 95), 1),
        "p99_ms": round(users_events.percentile(everything, 99), 1),
        "connected": len(online),
        "connect_s": round(connect_s, 1),
        "drain_s": round(drain_s, 1),
        "actions": users_events.action_figures(recorder, plan.seconds),
        "connect_errors": plan.members - len(online),
        "closed_early": sum(m.listener.closed_early for m in online),
        **events,
        "generator_cpu_pct": round(100 * cpu_s / active_s, 1),
        "machine_cpu_pct": _busy_pct(machine0, machine1),
        # In % of one core: the server's workers, and every PostgreSQL process of the machine.
        "server_cpu_pct": _pct_of_core(server0, server1, active_s),
        "postgres_cpu_pct": _pct_of_core(postgres0, postgres1, active_s),
        "generator_lag_p99_ms": round(measured[int(0.99 * (len(measured) - 1))], 1),
        "generator_lag_max_ms": round(measured[-1], 1),
    }


def _postgres_pids() -> list[int]:
    return [p.pid for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres"]


def _cpu_of(pids: list[int]) -> dict[int, float]:
    """CPU seconds so far of each process still alive."""
    out = {}
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            times = psutil.Process(pid).cpu_times()
            out[pid] = times.user + times.system
    return out


def _pct_of_core(before: dict[int, float], after: dict[int, float], seconds: float) -> float:
    used = sum(after[pid] - before[pid] for pid in after if pid in before)
    return round(100 * used / seconds, 1)


def _busy_pct(before: Any, after: Any) -> float:
    """Share of all cores busy between two psutil.cpu_times() (server, PostgreSQL, us)."""
    counted = [f for f in after._fields if f not in ("guest", "guest_nice")]  # in user too
    idle = (after.idle + after.iowait) - (before.idle + before.iowait)
    total = sum(getattr(after, f) - getattr(before, f) for f in counted)
    return round(100 * (1 - idle / total), 1) if total > 0 else 0.0


def raise_open_files() -> None:
    """Every socket is a descriptor: take the hard limit (2,000 members need > 4,000 here)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _child(conn: Any, plan: Plan, cpu: int | None) -> None:
    if cpu is not None and hasattr(os, "sched_setaffinity"):
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, {cpu})
    raise_open_files()
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()
    conn.send(asyncio.run(simulate(plan)))
    conn.close()


def run_members(plan: Plan, cpu: int | None) -> dict[str, Any]:
    """Simulate `plan.members` members in a separate process (pinned to `cpu`)."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(child, plan, cpu))
    process.start()
    child.close()  # a child that dies then ends recv() with EOFError instead of a hang
    figures: dict[str, Any] = parent.recv()
    process.join()
    return figures
