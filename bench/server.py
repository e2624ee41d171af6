"""The server under test: a scratch database and `canet serve --workers N` in a subprocess."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import psutil

from app import migrate
from app.core.embedded_pg import EmbeddedPostgres
from app.db import plain_url

ROOT = Path(__file__).resolve().parent.parent
BENCH_SECRET = "bench-secret-key-0123456789-0123456789-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(plain_url(url))
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


@dataclass
class ScratchDatabase:
    """A database created for one benchmark run and dropped after it."""

    admin_url: str
    url: str = ""
    embedded: EmbeddedPostgres | None = None
    tmpdir: Path | None = None

    @classmethod
    def create(cls) -> ScratchDatabase:
        admin = os.environ.get("CANET_BENCH_DATABASE_URL") or os.environ.get(
            "CANET_TEST_DATABASE_URL"
        )
        embedded = None
        tmpdir = None
        if not admin:
            tmpdir = Path(tempfile.mkdtemp(prefix="canet-bench-"))
            embedded = EmbeddedPostgres(tmpdir)
            admin = _with_db(embedded.start(), "postgres")
        scratch = cls(admin_url=admin, embedded=embedded, tmpdir=tmpdir)
        name = f"canet_bench_{uuid.uuid4().hex[:8]}"
        asyncio.run(scratch._execute(f'CREATE DATABASE "{name}"'))
        scratch.url = _with_db(admin, name)
        migrate.upgrade(scratch.url)
        return scratch

    async def _execute(self, sql: str) -> None:
        conn = await asyncpg.connect(plain_url(self.admin_url))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    def server_version(self) -> str:
        async def read() -> str:
            conn = await asyncpg.connect(plain_url(self.url))
            try:
                return str(await conn.fetchval("SHOW server_version"))
            finally:
                await conn.close()

        return asyncio.run(read())

    def drop(self) -> None:
        name = urlsplit(self.url).path.lstrip("/")
        with contextlib.suppress(Exception):
            asyncio.run(self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if self.embedded is not None:
            self.embedded.stop()
        if self.tmpdir is not None:
            shutil.rmtree(self.tmpdir, ignore_errors=True)


# What the server still owes after a scenario: events without a position, events the
# notification deriver has not reached, audit entries not yet sealed, mails not yet sent.
_BACKLOG = """
SELECT (SELECT count(*) FROM events WHERE position IS NULL) AS unsequenced,
       GREATEST(0, (SELECT coalesce(max(position), 0) FROM events)
                   - (SELECT coalesce(max(position), 0) FROM notification_progress))
           AS underived,
       GREATEST(0, (SELECT coalesce(max(id), 0) FROM audit_entries)
                   - (SELECT coalesce(max(entry_id), 0) FROM audit_chain)) AS unsealed,
       (SELECT count(*) FROM mail_queue WHERE status = 'queued' AND next_attempt_at <= now())
           AS unsent
"""


def settle(database_url: str, timeout_s: float = 120.0) -> tuple[dict[str, int], float]:
    """Wait until the server's background work has caught up: (what is left, seconds waited).

    Without this, a scenario would pay for the previous one's notifications, sealing and
    mail (and the first one for the seed's), and the figures would depend on the order.
    """

    async def wait() -> tuple[dict[str, int], float]:
        conn = await asyncpg.connect(plain_url(database_url))
        start = time.monotonic()
        try:
            while True:
                backlog = {k: int(v) for k, v in (await conn.fetchrow(_BACKLOG)).items() if v}
                waited = time.monotonic() - start
                if not backlog or waited >= timeout_s:
                    return backlog, round(waited, 1)
                await asyncio.sleep(0.25)
        finally:
            await conn.close()

    return asyncio.run(wait())


@dataclass
class Server:
    database_url: str
    workers: int = 2
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    data_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="canet-srv-")))

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "CANET_DATABASE_URL": self.database_url,
            "CANET_DATA_DIR": str(self.data_dir),
            "CANET_SECRET_KEY": BENCH_SECRET,
            "CANET_LOG_LEVEL": "WARNING",
            # At most 2 x 40 connections (the local server allows 100, others share it),
            # nearly all kept open: at concurrency 64 each worker has about 32 requests in
            # flight, and overflow connections would be opened and closed all the time.
            "CANET_DB_POOL_SIZE": os.environ.get("BENCH_DB_POOL_SIZE", "36"),
            "CANET_DB_MAX_OVERFLOW": os.environ.get("BENCH_DB_MAX_OVERFLOW", "4"),
        }

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "app.cli",
                "serve",
                "--workers",
                str(self.workers),
                "--port",
                str(self.port),
            ],
            env=self.env(),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=open(self.data_dir / "server.log", "wb"),  # noqa: SIM115
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError((self.data_dir / "server.log").read_text()[-3000:])
            try:
                if httpx.get(self.base_url + "/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("server did not become ready")

    def worker_pids(self) -> list[int]:
        """The uvicorn workers (not multiprocessing's resource tracker)."""
        if self.process is None:
            return []
        pids = []
        for child in psutil.Process(self.process.pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if "resource_tracker" not in " ".join(child.cmdline()):
                    pids.append(child.pid)
        return pids

    def worker_rss_mb(self) -> list[float]:
        out = []
        for pid in self.worker_pids():
            with contextlib.suppress(psutil.Error):
                out.append(round(psutil.Process(pid).memory_info().rss / 1_048_576, 1))
        return out

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.data_dir, ignore_errors=True)


@contextlib.contextmanager
def running_server(database_url: str, workers: int = 2) -> Iterator[Server]:
    server = Server(database_url, workers=workers)
    server.start()
    try:
        yield server
    finally:
        server.stop()
