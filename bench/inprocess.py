"""CPU per request, in process: the app driven through raw ASGI calls, no HTTP and no client.

    .venv/bin/python -m bench.inprocess post [--requests 2000] [--profile out.prof]

Seeds a scratch database like the suite, signs eight members in, then sends `--requests`
requests one after another straight into the ASGI app (background tasks off) and prints
the process CPU time per request. Without sockets, load generator or other workers in the
way, this is the figure to compare before and after a change to the request path;
`--profile` writes a cProfile file of the measured requests (`python -m pstats`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import functools
import json
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx

from app.auth.actor_cache import CHANNEL as ACTOR_CHANNEL
from app.config import Settings
from app.identity import mfa
from app.main import create_app
from app.realtime.listener import Listener
from bench import factories
from bench.seed import PASSWORD, Seeded, seed
from bench.server import BENCH_SECRET, ScratchDatabase

Asgi = Callable[..., Any]


async def call(app: Asgi, method: str, path: str, body: Any, headers: dict[str, str]) -> int:
    """One request through the ASGI interface; returns the status."""
    raw = json.dumps(body).encode() if body is not None else b""
    route, _, query = path.partition("?")
    sent_headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    sent_headers.append((b"host", b"127.0.0.1"))
    if body is not None:
        sent_headers += [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(raw)).encode()),
        ]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": route,
        "raw_path": route.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": sent_headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": raw, "more_body": False}
        await asyncio.Event().wait()  # the client never disconnects
        raise AssertionError("unreachable")

    status: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(scope, receive, send)
    return status[0]


async def _sign_in(app: Asgi, seeded: Seeded) -> list[str]:
    transport = httpx.ASGITransport(app=app)
    tokens = []
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        for member in seeded.load_members[:8]:
            login = await http.post(
                "/api/v1/auth/login", json={"email": member.email, "password": PASSWORD}
            )
            code = mfa.code_at_step(member.totp_secret, mfa.current_step())
            verified = await http.post(
                "/api/v1/auth/mfa/verify",
                json={"challenge_token": login.json()["challenge_token"], "code": code},
            )
            tokens.append(verified.json()["access_token"])
    return tokens


def _factories(tokens: list[str], seeded: Seeded) -> dict[str, factories.Factory]:
    p = functools.partial
    return {
        "healthz": factories.healthz,
        "me": p(factories.me, tokens),
        "post": p(factories.forum_post, tokens, seeded.post_thread_ids),
        "case_message": p(factories.case_message, tokens, seeded.case_ids),
        "thread_page": p(factories.thread_page, tokens, seeded.read_thread_id),
        "case": p(factories.case, tokens, seeded.read_case_id),
        "case_messages": p(factories.case_messages, tokens, seeded.read_case_id),
    }


SCENARIOS = ("healthz", "me", "post", "case_message", "thread_page", "case", "case_messages")


def seed_scenarios(url: str) -> Seeded:
    """The data every scenario here runs against (eight load members, no corpus)."""
    return asyncio.run(seed(url, load_members=8, login_members=0, corpus_posts=0))


@contextlib.asynccontextmanager
async def _listening(app: Any, url: str) -> AsyncIterator[None]:
    """The one background piece a request relies on: the listener that lets each worker
    trust its actor cache (without it every request reads its member, as with the cache off)."""
    cache = app.state.actor_cache
    if cache is None:
        yield
        return
    listener = Listener(url, lambda _position: None, heartbeat=5.0)
    listener.watch(ACTOR_CHANNEL, cache)
    listener.start()
    try:
        # Set once it listens, in the same step as the watchers are told to trust it.
        await asyncio.wait_for(listener.connected.wait(), timeout=10)
        yield
    finally:
        await listener.stop()


@contextlib.asynccontextmanager
async def warmed_app(
    url: str, seeded: Seeded, scenario: str
) -> AsyncIterator[tuple[Asgi, factories.Factory]]:
    """The app (background tasks off) with its lifespan running, eight members signed in and
    100 warm-up requests of `scenario` sent: (app, request factory of the scenario)."""
    settings = Settings(
        secret_key=BENCH_SECRET,
        database_url=url,
        data_dir=Path(tempfile.mkdtemp(prefix="canet-inprocess-")),
        run_background_tasks=False,
        log_level="WARNING",
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app), _listening(app, url):
        tokens = await _sign_in(app, seeded)
        factory = _factories(tokens, seeded)[scenario]
        for n in range(100):  # warm-up: connections, prepared statements, caches
            assert await call(app, *factory(n % 8, n)) < 300
        yield app, factory


async def _measure(url: str, seeded: Seeded, args: argparse.Namespace) -> None:
    async with warmed_app(url, seeded, args.scenario) as (app, factory):
        profile = cProfile.Profile() if args.profile else None
        wall, cpu = time.perf_counter(), time.process_time()
        if profile:
            profile.enable()
        for n in range(args.requests):
            status = await call(app, *factory(n % 8, 1000 + n))
            assert status < 300, status
        if profile:
            profile.disable()
            profile.dump_stats(args.profile)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    per = 1000 / args.requests
    print(
        f"{args.scenario}: {args.requests} requests, "
        f"CPU {cpu * per:.2f} ms/request, wall {wall * per:.2f} ms/request"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", choices=SCENARIOS)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--profile", help="write a cProfile file of the measured requests")
    args = parser.parse_args()
    scratch = ScratchDatabase.create()
    try:
        seeded = seed_scenarios(scratch.url)
        import uvloop

        uvloop.run(_measure(scratch.url, seeded, args))
    finally:
        scratch.drop()


if __name__ == "__main__":
    main()
