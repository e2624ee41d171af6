"""The `canet` command as an operator runs it: real processes on a real embedded cluster."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from app.core.embedded_pg import EmbeddedPostgres
from tests.realtime.conftest import free_port


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANET_")}
    return env | {"CANET_DATA_DIR": str(data_dir), "CANET_LOG_LEVEL": "WARNING"}


def _canet(*args: str, data_dir: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=_env(data_dir),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _postmaster_pid(data_dir: Path) -> int | None:
    try:
        return int((data_dir / "postgres" / "postmaster.pid").read_text().splitlines()[0])
    except (FileNotFoundError, IndexError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait_gone(pid: int, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return False


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Not the checkout: a .env there must not leak into these commands.
    return tmp_path_factory.mktemp("cwd")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("embedded-data")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "sigint"])
def test_serve_stops_its_embedded_database_on_signal(
    signum: signal.Signals, data_dir: Path, workdir: Path
) -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--migrate", "--port", str(port)],
        env=_env(data_dir),
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, "canet serve exited before it was ready"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "canet serve did not start"
            time.sleep(0.2)
        postmaster = _postmaster_pid(data_dir)
        assert postmaster is not None and _alive(postmaster)

        server.send_signal(signum)
        assert server.wait(timeout=60) is not None
        assert _wait_gone(postmaster), "the embedded PostgreSQL outlived the server"
        assert _postmaster_pid(data_dir) is None
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_reading_command_in_an_empty_data_dir_creates_nothing(
    tmp_path: Path, workdir: Path
) -> None:
    empty = tmp_path / "elsewhere"
    result = _canet("demo", "code", "officer.fra@demo.example.org", data_dir=empty, cwd=workdir)
    assert result.returncode == 2
    message = result.stderr.strip()
    assert "\n" not in message and "Traceback" not in message
    assert str(empty) in message and "CANET_DATA_DIR" in message
    assert not (empty / "postgres").exists()


def test_reading_command_on_a_cluster_without_schema_says_so(tmp_path: Path, workdir: Path) -> None:
    data_dir = tmp_path / "unmigrated"
    cluster = EmbeddedPostgres(data_dir)
    cluster.start()
    cluster.release()
    result = _canet("demo", "code", "officer.fra@demo.example.org", data_dir=data_dir, cwd=workdir)
    assert result.returncode == 2
    message = result.stderr.strip()
    assert "\n" not in message and "Traceback" not in message
    assert "no canet schema" in message and "canet db upgrade" in message
    # The command started the cluster to look; it stops it again on the way out.
    assert _postmaster_pid(data_dir) is None
