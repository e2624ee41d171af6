"""A real `canet serve` process on the test database, for tests that need one."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.factories import TEST_SECRET_KEY


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    # Processes started and not yet stopped: while one works on the test database, the
    # in-process test app's background workers stand down (tests/conftest.py).
    alive: set[Server] = set()

    def __init__(
        self,
        database_url: str,
        data_dir: Path,
        workers: int = 1,
        *,
        extra_env: dict[str, str] | None = None,
        port: int | None = None,
    ) -> None:
        self.port = port or free_port()
        self.http = f"http://127.0.0.1:{self.port}"
        env = (
            os.environ
            | {
                "CANET_DATABASE_URL": database_url,
                "CANET_SECRET_KEY": TEST_SECRET_KEY,
                "CANET_DATA_DIR": str(data_dir),
                "CANET_BASE_URL": "http://testserver",
                "CANET_LOG_LEVEL": "WARNING",
                "CANET_REALTIME_SWEEP_SECONDS": "0.2",
                # A shared test server: keep each process's pool small.
                "CANET_DB_POOL_SIZE": "4",
                "CANET_DB_MAX_OVERFLOW": "4",
                # Several test servers at once: none takes the default metrics port.
                "CANET_METRICS_LISTEN": "",
            }
            | (extra_env or {})
        )
        self.log = data_dir / f"server-{self.port}.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "app.cli",
                    "serve",
                    "--port",
                    str(self.port),
                    "--workers",
                    str(workers),
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        self.ws = f"ws://127.0.0.1:{self.port}/api/v1/ws"
        Server.alive.add(self)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    self.process.stderr.read().decode() if self.process.stderr else ""
                )
            try:
                if httpx.get(self.http + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError("server did not start")

    def stop(self) -> None:
        Server.alive.discard(self)
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
