"""The parts of the multi-node proof: a PostgreSQL of its own, canet nodes, HAProxy in front.

Every process is a real one started here and ended here, by its own id: the database is the
project's embedded PostgreSQL in the test's directory (stopped and started again mid-run),
each node is `canet serve --workers 2` on its own loopback address, and HAProxy is Debian's,
in the foreground, with a configuration written by the test.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from app.core.embedded_pg import EmbeddedPostgres

HAPROXY = "/usr/sbin/haproxy"
NODE_HOSTS = ("127.0.0.11", "127.0.0.12", "127.0.0.13")


class ClusterError(RuntimeError):
    pass


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def port_free_on_every(hosts: tuple[str, ...]) -> int:
    """One port number that is free on each of `hosts` (the nodes share a port)."""
    for _ in range(50):
        port = free_port(hosts[0])
        held: list[socket.socket] = []
        try:
            for host in hosts:
                s = socket.socket()
                held.append(s)
                s.bind((host, port))
            return port
        except OSError:
            continue
        finally:
            for s in held:
                s.close()
    raise ClusterError("no port free on every node address")


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return f"(no {path.name})"
    return f"--- {path.name} ---\n" + "\n".join(text.splitlines()[-lines:])


def find_haproxy() -> str | None:
    """Debian's HAProxy, installed on the spot when missing and this user may (CI does it)."""
    if os.access(HAPROXY, os.X_OK):
        return HAPROXY
    apt = shutil.which("apt-get")
    if apt is not None and os.geteuid() == 0:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            subprocess.run(
                [apt, "install", "-y", "-qq", "haproxy"],
                capture_output=True,
                timeout=300,
                check=False,
                env=os.environ | {"DEBIAN_FRONTEND": "noninteractive"},
            )
    return HAPROXY if os.access(HAPROXY, os.X_OK) else None


class Postgres:
    """The test's own cluster: started, stopped (fast) and started again by the test."""

    def __init__(self, root: Path) -> None:
        self.embedded = EmbeddedPostgres(root)
        self.url = ""

    def start(self) -> str:
        self.url = self.embedded.start()
        return self.url

    def stop(self) -> None:
        self.embedded.stop()  # pg_ctl stop -m fast -w

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.embedded.pgdata, ignore_errors=True)


def cli(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run one `canet` command (the real entry point) with the cluster's environment."""
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class Node:
    """`canet serve --workers 2` on one address; its own process group, so kill -9 takes the
    workers too, as losing the machine would."""

    def __init__(self, name: str, host: str, port: int, env: dict[str, str], log: Path) -> None:
        self.name = name
        self.host = host
        self.port = port
        self.env = env
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def start(self) -> None:
        with self.log.open("ab") as log:
            log.write(f"\n=== start {self.starts + 1} at {time.time():.3f} ===\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "app.cli",
                    "serve",
                    "--host",
                    self.host,
                    "--port",
                    str(self.port),
                    "--workers",
                    "2",
                ],
                env=self.env,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        self.starts += 1

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """kill -9, every process of the node at once."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def terminate(self) -> None:
        """SIGTERM to the node's main process, as an orchestrator stops a container."""
        if self.alive():
            assert self.process is not None
            self.process.send_signal(signal.SIGTERM)

    def wait_exit(self, timeout: float) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def stop(self) -> None:
        """Teardown: SIGTERM, then SIGKILL for whatever is left of the group."""
        if self.process is None:
            return
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)


HAPROXY_CONFIG = """\
global
    maxconn 4000
    stats socket {stats} mode 600 level admin
    log stdout format raw local0 info

defaults
    mode http
    log global
    option httplog
    # Only the requests that went wrong (5xx, aborted, retried) are logged.
    option dontlog-normal
    option forwardfor
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout http-request 10s
    timeout client-fin 5s
    timeout server-fin 5s
    # Websockets: once upgraded, the tunnel may idle this long (the server pings every 25 s).
    timeout tunnel 1h
    # A check's answer may take this long on a loaded host before it counts as failed.
    timeout check 3s
    # A refused or timed-out connection is tried again, on another server: nothing was sent.
    retries 3
    option redispatch 1

frontend canet
    bind 127.0.0.1:{port}
    default_backend nodes

backend nodes
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 500ms fastinter 250ms downinter 500ms fall 2 rise 2
    # Which node answered: the websocket clients learn where they are from the 101.
    http-response set-header X-Canet-Node %s
{servers}
"""


class HAProxy:
    def __init__(self, binary: str, directory: Path, nodes: list[Node], port: int) -> None:
        self.binary = binary
        self.port = port
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/api/v1/ws"
        self.stats = directory / "haproxy.sock"
        self.config = directory / "haproxy.cfg"
        self.log = directory / "haproxy.log"
        servers = "\n".join(f"    server {n.name} {n.host}:{n.port} check" for n in nodes)
        self.config.write_text(
            HAPROXY_CONFIG.format(stats=self.stats, port=self.port, servers=servers)
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        check = subprocess.run(
            [self.binary, "-c", "-q", "-f", str(self.config)],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if check.returncode != 0:
            raise ClusterError(f"haproxy refused its configuration: {check.stderr}")
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [self.binary, "-db", "-f", str(self.config)],
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        deadline = time.monotonic() + 15
        while not self.stats.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise ClusterError("haproxy did not start\n" + log_tail(self.log))
            time.sleep(0.05)

    def command(self, line: str) -> str:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(2)
            s.connect(str(self.stats))
            s.sendall(line.encode() + b"\n")
            chunks = []
            while chunk := s.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def server_status(self) -> dict[str, str]:
        """Each server's state as HAProxy sees it: UP, DOWN, UP 1/2, DOWN 1/2, MAINT..."""
        lines = self.command("show stat").splitlines()
        header = lines[0].lstrip("# ").split(",")
        name, server = header.index("pxname"), header.index("svname")
        status = header.index("status")
        states = {}
        for line in lines[1:]:
            fields = line.split(",")
            if len(fields) > status and fields[name] == "nodes" and fields[server] != "BACKEND":
                states[fields[server]] = fields[status]
        return states

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
