"""The `canet` command: serve, db, and (with later domains) admin, audit, demo."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence

from app import domains
from app.commands import CommandError, with_database
from app.config import ConfigurationError, Settings, get_settings, metrics_address
from app.core import metrics
from app.core.logging import configure_logging
from app.db import EMBEDDED_MARKER
from app.demo import cli as demo_cli

log = logging.getLogger("canet")

Handler = Callable[[argparse.Namespace, Settings], int]


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from app import migrate

    _exit_cleanly_on_sigterm()
    url, release = with_database(settings, create=True)
    listener: metrics.MetricsListener | None = None
    try:
        if settings.metrics_listen:
            # Before anything in this process counts (the demo's seeding, a single worker):
            # every worker's figures go to files that the listener, a thread here, sums.
            host, port = metrics_address(settings.metrics_listen)
            listener = metrics.start_listener(
                host, port, database_url=url, data_dir=settings.data_dir
            )
        if args.migrate:
            migrate.upgrade(url)
        if args.demo:
            _seed_demo_if_empty(url, settings, f"http://{args.host}:{args.port}")
        # Workers inherit the resolved URL, so N workers share one (possibly embedded) database.
        os.environ["CANET_DATABASE_URL"] = url
        os.environ[EMBEDDED_MARKER] = "1" if url != settings.database_url else ""
        get_settings.cache_clear()
        if args.workers > 1:
            _supervisor_sees_dead_workers()
        log.info("serving on http://%s:%s (API docs at /docs)", args.host, args.port)
        uvicorn.run(
            "app.main:create_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            reload=args.reload,
            access_log=False,
            log_config=None,
            proxy_headers=True,
            forwarded_allow_ips=args.forwarded_allow_ips,
            timeout_graceful_shutdown=10,
            # A spawned worker answers the supervisor's health check only once it has imported
            # the app: several seconds on a busy host or a pod with a small CPU limit. Within
            # uvicorn's default 5 s the workers were killed and respawned forever.
            timeout_worker_healthcheck=60,
            # Event frames are ~150 bytes: per-socket deflate state costs memory and CPU per
            # client and saves nothing (measured in bench/delivery.py).
            ws_per_message_deflate=False,
        )
    finally:
        if listener is not None:
            listener.close()
        release()
    return 0


def _supervisor_sees_dead_workers() -> None:
    """Let uvicorn's supervisor notice at once a worker that dies while it is being pinged.

    The supervisor pings each worker every half second and waits up to the health-check
    timeout (60 s above) for the answer. It kept its own copy of the worker's end of the
    pipe, so the pipe stayed open after the worker died: a worker killed during a ping
    (kill -9, the OOM killer) was replaced only after the full minute, with one worker fewer
    and the supervisor deaf to signals meanwhile. Once the worker has been spawned it holds
    its own copy; closing the supervisor's makes the death an end of file, answered at once.
    """
    from uvicorn.supervisors import multiprocess

    spawn = multiprocess.Process.start
    if getattr(spawn, "closes_child_end", False):
        return

    # The method, not a subclass: the worker unpickles the Process object it is given, and
    # finds uvicorn's own class there.
    def start(self: multiprocess.Process) -> None:
        spawn(self)
        self.child_conn.close()

    start.closes_child_end = True  # type: ignore[attr-defined]
    multiprocess.Process.start = start  # type: ignore[method-assign]


def _exit_cleanly_on_sigterm() -> None:
    """Make SIGTERM unwind like Ctrl-C, so `finally` blocks stop the embedded database.

    SIGTERM is what systemd, Docker and Kubernetes send. Its default action kills the process
    on the spot; uvicorn shuts down gracefully and then re-raises the signal it caught with
    the handler found at start, which is this one: SystemExit runs `release()` on the way out.
    """

    def exit_(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, exit_)


def _seed_demo_if_empty(url: str, settings: Settings, address: str) -> None:
    import asyncio

    from app.demo.runner import seed_if_empty, sign_in_help

    ctx = asyncio.run(seed_if_empty(url, settings))
    if ctx is not None:
        print(sign_in_help(ctx, address), flush=True)


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from app import migrate
    from app.db import Database

    url, release = with_database(settings, create=args.db_command == "upgrade")
    try:
        if args.db_command == "upgrade":
            migrate.upgrade(url, args.revision)
        elif args.db_command == "downgrade":
            migrate.downgrade(url, args.revision)
        elif args.db_command == "current":

            async def show() -> tuple[str, ...]:
                database = Database(url)
                try:
                    async with database.engine.connect() as connection:
                        return await migrate.current_revisions(connection)
                finally:
                    await database.dispose()

            current = asyncio.run(show())
            head = migrate.head_revisions()
            suffix = " (head)" if current == head else f" (head is {migrate.describe(head)})"
            print(migrate.describe(current) + suffix)
    finally:
        release()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="canet", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the HTTP and websocket server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--reload", action="store_true", help="restart on code changes (dev)")
    serve.add_argument("--migrate", action="store_true", help="apply migrations first")
    serve.add_argument(
        "--demo", action="store_true", help="seed the demo network if there are no members"
    )
    serve.add_argument("--forwarded-allow-ips", default="127.0.0.1")
    serve.set_defaults(handler=cmd_serve)

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    up = db_commands.add_parser("upgrade", help="apply migrations")
    up.add_argument("revision", nargs="?", default="heads")
    down = db_commands.add_parser("downgrade", help="revert migrations")
    down.add_argument("revision", help="target revision, e.g. -1 or base")
    db_commands.add_parser("current", help="show the applied revision")
    db.set_defaults(handler=cmd_db)

    # The domains' own commands (admin, audit, directory), then the demo network's.
    for register in [*domains.command_registrars(), demo_cli.register]:
        register(commands)

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = get_settings()
    except (ConfigurationError, ValueError) as exc:
        print(f"canet: configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_format, settings.log_level)
    handler: Handler = args.handler
    try:
        return handler(args, settings)
    except CommandError as exc:
        print(f"canet: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
