"""A worker of `canet serve` that dies while the supervisor is pinging it is replaced at once.

uvicorn's supervisor pings each worker every half second and waits up to its health-check
timeout (60 s, see app/cli.py) for the answer. It kept its own copy of the worker's end of
the pipe, so a worker killed in the middle of a ping never closed the pipe: the supervisor
waited the whole minute, with one worker fewer and deaf to signals, before it noticed. The
crash scenario hit this on a loaded host (a worker killed with kill -9 was replaced after
60.2 s). A stopped worker makes the timing deterministic: the supervisor is surely waiting
on it when it is killed.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import pytest

from app.db import Database
from tests.crash.processes import worker_pids
from tests.servers import Server

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="finds the server's workers in /proc (Linux)"
)

# Far below the 60 s health-check timeout, far above what noticing the death takes.
REPLACED_WITHIN = 20.0


async def _workers(server: Server, count: int, timeout: float) -> set[int]:
    deadline = time.monotonic() + timeout
    while len(workers := worker_pids(server.process.pid)) != count:
        assert time.monotonic() < deadline, f"workers: {workers}"
        await asyncio.sleep(0.05)
    return workers


async def test_a_worker_killed_during_a_health_check_is_replaced_at_once(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    server = Server(database_url, tmp_path, workers=2)
    try:
        await asyncio.to_thread(server.wait_ready, 120)
        victim = min(await _workers(server, 2, 60))
        os.kill(victim, signal.SIGSTOP)  # it can no longer answer a ping
        await asyncio.sleep(2.0)  # the supervisor pings every 0.5 s: it is now waiting on it
        os.kill(victim, signal.SIGKILL)
        killed = time.monotonic()
        deadline = killed + REPLACED_WITHIN
        while True:
            workers = worker_pids(server.process.pid)
            if len(workers) == 2 and victim not in workers:
                break
            assert time.monotonic() < deadline, (
                f"the supervisor had not replaced worker {victim} {REPLACED_WITHIN} s after it "
                f"died\n{server.log.read_text()[-3000:]}"
            )
            await asyncio.sleep(0.05)
        await asyncio.to_thread(server.wait_ready, 120)
    finally:
        server.stop()
