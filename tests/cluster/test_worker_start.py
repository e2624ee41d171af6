"""`canet serve --workers N` comes up on a host too busy to start a worker in 5 seconds.

uvicorn's supervisor pings each worker and kills one that does not answer within its
health-check timeout (5 s by default). A spawned worker answers only once it has imported the
application, which on a loaded host (a node starting while its neighbours roll, a pod with a
small CPU limit) takes longer: the workers were killed and restarted forever and the node
never served. The slow start is made deterministic here by a sitecustomize that delays only
the spawned workers' interpreters.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from app.db import Database
from tests.servers import Server

SLOW_START = """\
import os
import sys
import time

if "spawn_main" in " ".join(getattr(sys, "orig_argv", [])):
    time.sleep(float(os.environ.get("CANET_TEST_WORKER_START_DELAY", "0")))
"""


async def test_workers_slower_to_start_than_five_seconds_are_not_killed(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SLOW_START)
    python_path = os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH")) if p)
    server = Server(
        database_url,
        tmp_path,
        workers=2,
        extra_env={
            "PYTHONPATH": python_path,
            "CANET_TEST_WORKER_START_DELAY": "6.5",
            "CANET_LOG_LEVEL": "INFO",
        },
    )
    try:
        # Killed at 5 s and respawned (and delayed again) forever without the fix.
        await asyncio.to_thread(server.wait_ready, 90)
    finally:
        server.stop()
    assert "died" not in server.log.read_text()
